/**
 * A big table copy (src/io/table-cache.ts) read as its columns are used:
 * a run looks up a handful of a GEMM table's hundreds of (k, n) sites, and
 * reading all of its rows touches half a megabyte of memory for the first
 * time, a page fault per 4 KiB, most of the table's share of a start-up.
 * Each column is an array of the table's length, zero-filled by the
 * allocator (pages the process never touches cost nothing), and blocks of
 * BLOCK_ROWS rows are read into it from the copy when asked for.
 *
 * The copy that was validated stays open until the code that opened it has
 * run (a microtask closes it): a simulation reads what it needs from it.
 * A later read opens the copy again, and uses it only while it is the same
 * file (device, inode, size, modification and change times); a copy is
 * replaced by rename, never rewritten in place. When it is not, the CSV,
 * the source of truth, is parsed and the table takes all its values from it.
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import {inputError} from '../errors.js'
import type {ColumnSource} from '../tables/columnar.js'
import type {KernelTable} from '../tables/types.js'
import {sameFacts, type FileFacts} from './file-facts.js'

/** Rows per block: 4 KiB of an i32 column, 8 KiB of an f64 one. */
export const BLOCK_ROWS = 1024

/** One lazily read array: its values start at `offset` in the copy. */
export interface LazyArray {
  values: Int32Array | Float64Array
  offset: number
}

/** The copy file a lazy table reads, as validated. */
export interface CopyFile extends FileFacts {
  path: string
}

/** Reads `length` bytes at `position` of `fd` into the start of `into`; false when the file ends first. */
export function readAt(fd: number, into: Uint8Array, length: number, position: number): boolean {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, into, done, length - done, position + done)
    if (n === 0) return false
    done += n
  }
  return true
}

export class LazyCopy implements ColumnSource {
  private fd: number | undefined
  private readonly blocks: number
  /** Per array (the lines first when stored, then each column), which blocks are read. */
  private readonly read: Uint8Array[]
  /** Blocks read in every array: a row there needs no check per array. */
  private readonly complete: Uint8Array

  /**
   * `fd`: the validated copy, open (closed by a microtask); `arrays`: the
   * lines when stored (column -1 of ColumnSource), then each column;
   * `reparse`: the table parsed from its CSV, for a copy replaced since.
   */
  constructor(
    fd: number,
    private readonly copy: CopyFile,
    private readonly rows: number,
    private readonly arrays: readonly LazyArray[],
    private readonly linesStored: boolean,
    private readonly columns: readonly string[],
    private readonly reparse: () => KernelTable,
  ) {
    this.blocks = Math.ceil(rows / BLOCK_ROWS)
    this.read = arrays.map(() => new Uint8Array(this.blocks))
    this.complete = new Uint8Array(this.blocks)
    this.keepOpen(fd)
  }

  ensure(column: number, start: number, end: number): void {
    const a = column + (this.linesStored ? 1 : 0)
    const read = this.read[a]
    const last = Math.min(this.blocks, Math.ceil(Math.min(end, this.rows) / BLOCK_ROWS))
    for (let b = Math.floor(Math.max(0, start) / BLOCK_ROWS); b < last; b++) {
      if (read[b]) continue
      // Adjacent unread blocks in one read.
      let to = b + 1
      while (to < last && !read[to]) to++
      const fd = this.open()
      if (fd === undefined) return
      this.readBlocks(fd, a, b, to)
      read.fill(1, b, to)
      b = to - 1
    }
  }

  ensureRow(row: number): void {
    const b = (row / BLOCK_ROWS) | 0
    if (this.complete[b]) return
    const first = this.linesStored ? -1 : 0
    for (let c = first; c < this.arrays.length + first; c++) this.ensure(c, row, row + 1)
    this.complete[b] = 1
  }

  /** Holds `fd` open until the code running now has finished. */
  private keepOpen(fd: number): void {
    this.fd = fd
    queueMicrotask(() => {
      try {
        closeSync(fd)
      } catch {}
      this.fd = undefined
    })
  }

  /** The copy, open; undefined when it has been replaced (every value then comes from the CSV). */
  private open(): number | undefined {
    if (this.fd !== undefined) return this.fd
    let fd: number | undefined
    try {
      fd = openSync(this.copy.path, 'r')
      if (sameFacts(this.copy, fstatSync(fd))) {
        this.keepOpen(fd)
        return fd
      }
    } catch {}
    if (fd !== undefined) closeSync(fd)
    this.fillFromCsv()
    return undefined
  }

  private readBlocks(fd: number, a: number, from: number, to: number): void {
    const {values, offset} = this.arrays[a]
    const width = values.BYTES_PER_ELEMENT
    const start = from * BLOCK_ROWS
    const end = Math.min(this.rows, to * BLOCK_ROWS)
    if (!readAt(fd, new Uint8Array(values.buffer, values.byteOffset + start * width, (end - start) * width), (end - start) * width, offset + start * width)) {
      throw new Error('table copy cut short')
    }
  }

  private fillFromCsv(): void {
    const table = this.reparse()
    const rows = table.rows
    if (rows.length !== this.rows) throw inputError(`${table.path} changed while infersim read it: run again`)
    const first = this.linesStored ? -1 : 0
    for (let c = first; c < this.arrays.length + first; c++) {
      const values = this.arrays[c - first].values
      for (let i = 0; i < rows.length; i++) values[i] = c < 0 ? rows[i].line : (rows[i].values[this.columns[c]] as number)
    }
    for (const read of this.read) read.fill(1)
    this.complete.fill(1)
  }
}
