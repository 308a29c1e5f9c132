/**
 * Big table copies are read as used (src/io/lazy-copy.ts): a row is read
 * from the copy when it is first asked for, not before; the copy stays open
 * only while the code that opened it runs; a later read opens it again, and
 * takes every value from the CSV if the copy has been replaced.
 */
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {LAZY_COPY_BYTES} from '../../src/io/table-cache.js'
import {loadTableSet, parseTableCsv} from '../../src/io/tables.js'
import {ColumnarTable} from '../../src/tables/columnar.js'
import {ROOT} from '../helpers/cli.js'

const GEMM = 'gemm/h100-sxm/bf16.csv'
const savedCacheDir = process.env.INFERSIM_CACHE_DIR
afterEach(() => {
  process.env.INFERSIM_CACHE_DIR = savedCacheDir
})

/** A tables folder whose GEMM table is the bundled one with its first latency changed (no bundled copy serves it), and its user copy. */
function folderWithUserCopy(): {folder: string; csv: string; copy: string} {
  const folder = mkdtempSync(path.join(tmpdir(), 'infersim-lazy-'))
  const cache = mkdtempSync(path.join(tmpdir(), 'infersim-lazy-cache-'))
  process.env.INFERSIM_CACHE_DIR = cache
  const lines = readFileSync(path.join(ROOT, 'bench_data', GEMM), 'utf8').split('\n')
  const cells = lines[1].split(',')
  cells[3] = String(Number(cells[3]) + 1)
  lines[1] = cells.join(',')
  mkdirSync(path.join(folder, 'gemm', 'h100-sxm'), {recursive: true})
  const csv = lines.join('\n')
  writeFileSync(path.join(folder, GEMM), csv)
  // The first load parses the CSV and writes its copy to the user cache.
  expect(loadTableSet(folder, ['h100-sxm']).get(GEMM)).not.toBeInstanceOf(ColumnarTable)
  const dir = path.join(cache, 'tables')
  const copy = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.bin'))!)
  return {folder, csv, copy}
}

/** Overwrites, in place, every stored byte of a copy (between its header and the CSV bytes it ends with) with 0xff. */
function spoilStoredPart(copy: string, csvBytes: number): void {
  const bytes = readFileSync(copy)
  const start = (12 + bytes.readUInt32LE(8) + 7) & ~7
  const fd = openSync(copy, 'r+')
  writeSync(fd, Buffer.alloc(bytes.length - csvBytes - start, 0xff), 0, undefined, start)
  closeSync(fd)
}

const openFiles = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined)

describe('a big table copy read as used', () => {
  it('reads a row when it is first asked for, from the copy it validated', () => {
    const {folder, csv, copy} = folderWithUserCopy()
    const parsed = parseTableCsv(csv, GEMM)
    expect(statSync(copy).size - Buffer.byteLength(csv)).toBeGreaterThan(LAZY_COPY_BYTES)

    const table = loadTableSet(folder, ['h100-sxm']).get(GEMM) as ColumnarTable
    expect(table).toBeInstanceOf(ColumnarTable)
    const last = table.length - 1
    expect(table.row(0)).toEqual(parsed.rows[0])
    // Spoiled in place after it was opened: a row already read keeps its values, one read now shows the spoiled bytes.
    spoilStoredPart(copy, Buffer.byteLength(csv))
    expect(table.row(0)).toEqual(parsed.rows[0])
    expect(table.row(last).values.m).toBe(-1)
    expect(table.row(last).values.m).not.toBe(parsed.rows[last].values.m)
  })

  it('keeps the copy open only while the code that opened it runs, and opens it again for rows not read yet', async () => {
    const {folder, csv} = folderWithUserCopy()
    const parsed = parseTableCsv(csv, GEMM)
    const before = openFiles()
    const table = loadTableSet(folder, ['h100-sxm']).get(GEMM) as ColumnarTable
    if (before !== undefined) expect(openFiles()).toBe(before + 1)
    await Promise.resolve()
    if (before !== undefined) expect(openFiles()).toBe(before)
    expect(table.row(table.length - 1)).toEqual(parsed.rows[table.length - 1])
    await Promise.resolve()
    if (before !== undefined) expect(openFiles()).toBe(before)
    expect(table.rows).toEqual(parsed.rows)
  })

  it('takes every value from the CSV once its copy has been replaced', async () => {
    const {folder, csv, copy} = folderWithUserCopy()
    const parsed = parseTableCsv(csv, GEMM)
    const table = loadTableSet(folder, ['h100-sxm']).get(GEMM) as ColumnarTable
    await Promise.resolve()
    // Another file in its place: same size, other bytes.
    spoilStoredPart(copy, Buffer.byteLength(csv))
    expect(table.row(table.length - 1)).toEqual(parsed.rows[table.length - 1])
    expect(table.rows).toEqual(parsed.rows)
  })
})
