// Writes the binary copy of every big bundled kernel table (src/io/table-cache.ts) to
// dist/table-cache/<table>.bin, and removes copies no table has any more.
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const {listTablePaths, parseTableCsv} = await import(path.join(root, 'dist', 'io', 'tables.js'))
const {BUNDLED_TABLE_CACHE, TABLE_CACHE_MIN_BYTES, bundledCopyFile, copyIsCurrent, writeCopy} = await import(path.join(root, 'dist', 'io', 'table-cache.js'))

const benchData = path.join(root, 'bench_data')
// A copy holds the CSV's bytes it was made from, not what the reader made of them: a changed reader or copy format starts afresh.
const reader = createHash('sha256')
  .update(readFileSync(path.join(root, 'dist', 'io', 'tables.js')))
  .update(readFileSync(path.join(root, 'dist', 'io', 'table-cache.js')))
  .digest('hex')
const stamp = path.join(BUNDLED_TABLE_CACHE, '.reader')
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== reader) rmSync(BUNDLED_TABLE_CACHE, {recursive: true, force: true})
mkdirSync(BUNDLED_TABLE_CACHE, {recursive: true})
const wanted = new Set()
let written = 0
for (const rel of listTablePaths(benchData)) {
  const csv = readFileSync(path.join(benchData, rel))
  if (csv.length < TABLE_CACHE_MIN_BYTES) continue
  const file = bundledCopyFile(rel)
  wanted.add(file)
  // The copy records the CSV file it was made from (src/io/table-cache.ts): one made before the file settled, or
  // from a file since rewritten with the same bytes (a checkout), is made again so that runs skip the byte check.
  const csvFile = statSync(path.join(benchData, rel))
  if (existsSync(file) && copyIsCurrent(readFileSync(file), csv, rel, csvFile)) continue
  writeCopy(file, parseTableCsv(csv.toString('utf8'), rel), csv, csvFile)
  if (!existsSync(file)) throw new Error(`cannot write ${file}`)
  written++
}
writeFileSync(stamp, reader)
function prune(dir) {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) prune(full)
    else if (full !== stamp && !wanted.has(full)) rmSync(full, {force: true})
  }
}
prune(BUNDLED_TABLE_CACHE)
if (written > 0) console.log(`table cache: ${written} of ${wanted.size} copies written to ${path.relative(root, BUNDLED_TABLE_CACHE)}`)
