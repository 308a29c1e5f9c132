// Writes the binary copy of every big bundled kernel table (src/io/table-cache.ts) to
// dist/table-cache/, named by the SHA-256 of the CSV, and removes copies no table has any more.
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, renameSync} from 'node:fs'
import {createHash} from 'node:crypto'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const {listTablePaths, parseTableCsv} = await import(path.join(root, 'dist', 'io', 'tables.js'))
const {BUNDLED_TABLE_CACHE, TABLE_CACHE_MIN_BYTES, cacheFileName, encodeTable} = await import(path.join(root, 'dist', 'io', 'table-cache.js'))

const benchData = path.join(root, 'bench_data')
// Copies are named by their CSV's bytes; one made by another CSV reader could differ, so a changed reader starts afresh.
const reader = createHash('sha256').update(readFileSync(path.join(root, 'dist', 'io', 'tables.js'))).digest('hex')
const stamp = path.join(BUNDLED_TABLE_CACHE, '.reader')
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== reader) rmSync(BUNDLED_TABLE_CACHE, {recursive: true, force: true})
mkdirSync(BUNDLED_TABLE_CACHE, {recursive: true})
const wanted = new Set()
let written = 0
for (const rel of listTablePaths(benchData)) {
  const bytes = readFileSync(path.join(benchData, rel))
  if (bytes.length < TABLE_CACHE_MIN_BYTES) continue
  const name = cacheFileName(bytes)
  wanted.add(name)
  const file = path.join(BUNDLED_TABLE_CACHE, name)
  if (existsSync(file)) continue
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, encodeTable(parseTableCsv(bytes.toString('utf8'), rel)))
  renameSync(tmp, file)
  written++
}
writeFileSync(stamp, reader)
for (const name of readdirSync(BUNDLED_TABLE_CACHE)) if (!wanted.has(name) && name !== '.reader') rmSync(path.join(BUNDLED_TABLE_CACHE, name), {force: true})
if (written > 0) console.log(`table cache: ${written} of ${wanted.size} copies written to ${path.relative(root, BUNDLED_TABLE_CACHE)}`)
