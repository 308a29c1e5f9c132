/**
 * Binary copies of big kernel tables (src/io/table-cache.ts): a copy gives
 * back exactly what parsing the CSV gives, is used only for the very CSV
 * bytes it was made from, lives in the user's cache folder for tables
 * outside the package (written atomically, nothing written beside the
 * tables or in the package), and a copy that is damaged or cannot be
 * written changes nothing but the speed.
 */
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {CSV_SETTLED_MS, decodeTable, encodeTable, TABLE_CACHE_MIN_BYTES, userCopyFile} from '../../src/io/table-cache.js'
import {loadTableSet, parseTableCsv} from '../../src/io/tables.js'
import {ColumnarTable} from '../../src/tables/columnar.js'
import type {KernelTable} from '../../src/tables/types.js'
import {ROOT} from '../helpers/cli.js'

const BENCH = path.join(ROOT, 'bench_data')
const GEMM = 'gemm/h100-sxm/bf16.csv'
const plain = (t: KernelTable) => ({path: t.path, columns: t.columns, rows: t.rows})
const tmp = () => mkdtempSync(path.join(tmpdir(), 'infersim-cache-'))

/** Every file under a folder, relative paths. */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : [path.join(rel, e.name)],
  )
}

/** A tables folder holding GEMM with `csv`, and a fresh user cache folder in use. */
function tablesFolder(csv: string | Buffer): {folder: string; file: string; cacheRoot: string} {
  const folder = tmp()
  const cacheRoot = tmp()
  process.env.INFERSIM_CACHE_DIR = cacheRoot
  mkdirSync(path.join(folder, 'gemm', 'h100-sxm'), {recursive: true})
  const file = path.join(folder, GEMM)
  writeFileSync(file, csv)
  return {folder, file, cacheRoot}
}

const savedCacheDir = process.env.INFERSIM_CACHE_DIR
afterEach(() => {
  process.env.INFERSIM_CACHE_DIR = savedCacheDir
  vi.useRealTimers()
})

/** The CSV file a copy records (JSON header after 'ISTB', format and header length), if any. */
function recordedFile(copy: Buffer): {ino: number; size: number} | undefined {
  return JSON.parse(copy.toString('utf8', 12, 12 + copy.readUInt32LE(8))).csvFile
}

describe('table copies', () => {
  it('give back what parsing gives: numbers, text columns and line numbers', () => {
    for (const rel of [GEMM, 'mha/decode/h20/32-8-128.csv']) {
      const csv = readFileSync(path.join(BENCH, rel))
      const parsed = parseTableCsv(csv.toString('utf8'), rel)
      const copy = decodeTable(encodeTable(parsed, csv), csv, rel)
      expect(copy).toBeInstanceOf(ColumnarTable)
      expect(plain(copy!)).toEqual(plain(parsed))
    }
  })

  it('are refused for any other CSV bytes, even of the same length', () => {
    const csv = readFileSync(path.join(BENCH, GEMM))
    const copy = encodeTable(parseTableCsv(csv.toString('utf8'), GEMM), csv)
    const edited = Buffer.from(csv)
    const at = edited.lastIndexOf('.') + 1
    edited[at] = edited[at] === 0x31 ? 0x32 : 0x31
    expect(edited.length).toBe(csv.length)
    expect(decodeTable(copy, edited, GEMM)).toBeUndefined()
    expect(decodeTable(copy.subarray(0, copy.length - 10), csv, GEMM)).toBeUndefined()
  })

  it('the bundled big tables load from the build\'s copies, equal to their CSV', () => {
    const tables = loadTableSet(BENCH, ['h100-sxm'])
    const table = tables.get(GEMM)!
    expect(table).toBeInstanceOf(ColumnarTable)
    expect(plain(table)).toEqual(plain(parseTableCsv(readFileSync(path.join(BENCH, GEMM), 'utf8'), GEMM)))
  })

  it('a --bench-data folder is copied to the user cache on first use, read from it next, and an edit is never met by a stale copy', () => {
    const {folder, file, cacheRoot} = tablesFolder(readFileSync(path.join(BENCH, GEMM)))
    expect(statSync(file).size).toBeGreaterThan(TABLE_CACHE_MIN_BYTES)

    const first = loadTableSet(folder, ['h100-sxm']).get(GEMM)!
    // The bundled copy of the same path matches these very bytes: no parse, no user copy needed.
    expect(first).toBeInstanceOf(ColumnarTable)

    // Edited (same length): the bundled copy no longer matches; parsed, then copied to the user cache.
    const text = readFileSync(file, 'utf8').split('\n')
    const fields = text[1].split(',')
    fields[4] = fields[4].replace(/\d$/, (d) => (d === '9' ? '8' : String(Number(d) + 1)))
    text[1] = fields.join(',')
    writeFileSync(file, text.join('\n'))
    const edited = loadTableSet(folder, ['h100-sxm']).get(GEMM)!
    expect(edited).not.toBeInstanceOf(ColumnarTable)
    expect(edited.rows[0].values.mfu).toBe(Number(fields[4]))
    expect(filesUnder(path.join(cacheRoot, 'tables'))).toEqual([path.basename(userCopyFile(file, path.join(cacheRoot, 'tables')))])
    const second = loadTableSet(folder, ['h100-sxm']).get(GEMM)!
    expect(second).toBeInstanceOf(ColumnarTable)
    expect(plain(second)).toEqual(plain(edited))

    // Nothing was written beside the tables.
    expect(filesUnder(folder)).toEqual([GEMM])
  })

  it('a damaged copy is ignored and rewritten; a cache folder that cannot be written is skipped', () => {
    // Not the bundled bytes: a trailing newline less.
    const {folder, file, cacheRoot} = tablesFolder(readFileSync(path.join(BENCH, GEMM), 'utf8').trimEnd())
    const parsed = plain(loadTableSet(folder, ['h100-sxm']).get(GEMM)!)
    const copyFile = userCopyFile(file, path.join(cacheRoot, 'tables'))
    writeFileSync(copyFile, readFileSync(copyFile).subarray(0, 1000))
    expect(plain(loadTableSet(folder, ['h100-sxm']).get(GEMM)!)).toEqual(parsed)
    expect(loadTableSet(folder, ['h100-sxm']).get(GEMM)).toBeInstanceOf(ColumnarTable)

    const blocked = tmp()
    writeFileSync(path.join(blocked, 'tables'), 'a file where the cache folder would be')
    process.env.INFERSIM_CACHE_DIR = blocked
    expect(plain(loadTableSet(folder, ['h100-sxm']).get(GEMM)!)).toEqual(parsed)
    expect(readdirSync(blocked)).toEqual(['tables'])
    // No temp files were left anywhere.
    expect(filesUnder(cacheRoot).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('a copy of a file unchanged for a while records it and then skips the byte check; any write to the file brings the check back', () => {
    // Not the bundled bytes (a trailing newline less), so the user cache serves it.
    const {folder, file, cacheRoot} = tablesFolder(readFileSync(path.join(BENCH, GEMM), 'utf8').trimEnd())
    const copyFile = userCopyFile(file, path.join(cacheRoot, 'tables'))
    // Just written: not settled, so the copy records nothing and the bytes decide.
    const parsed = plain(loadTableSet(folder, ['h100-sxm']).get(GEMM)!)
    expect(recordedFile(readFileSync(copyFile))).toBeUndefined()

    // Later (the clock moved past CSV_SETTLED_MS): a new copy records the file.
    vi.useFakeTimers({now: Date.now() + CSV_SETTLED_MS + 1000, toFake: ['Date']})
    writeFileSync(copyFile, 'damaged')
    expect(plain(loadTableSet(folder, ['h100-sxm']).get(GEMM)!)).toEqual(parsed)
    const copy = readFileSync(copyFile)
    expect(recordedFile(copy)).toMatchObject({ino: statSync(file).ino, size: statSync(file).size})

    // The recorded file unchanged, the copy's own CSV bytes are not read: spoil them and it is still used.
    const spoiled = Buffer.from(copy)
    spoiled[spoiled.length - 2] ^= 1
    writeFileSync(copyFile, spoiled)
    const fast = loadTableSet(folder, ['h100-sxm']).get(GEMM)!
    expect(fast).toBeInstanceOf(ColumnarTable)
    expect(plain(fast)).toEqual(parsed)

    // Any write to the CSV (here the same bytes again) changes its change time: the bytes are compared, the spoiled
    // copy is refused, the CSV parsed.
    writeFileSync(file, readFileSync(file))
    const checked = loadTableSet(folder, ['h100-sxm']).get(GEMM)!
    expect(checked).not.toBeInstanceOf(ColumnarTable)
    expect(plain(checked)).toEqual(parsed)
  })
})
