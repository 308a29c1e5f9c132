/** Test helpers: a scratch copy of a folder, and a hash of every file under a folder. */
import {createHash} from 'node:crypto'
import {cpSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {ROOT} from '../helpers/cli.js'

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'ingest')
export const REFERENCE_RAW = path.join(ROOT, 'bench_data', 'raw', 'infersim-reference')
export const HEADERLESS_COLUMNS = 'dtype,kv_dtype,batch_size,kv_len,latency_us,mfu'

export function scratchDir(prefix = 'infersim-ingest-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix))
}

/** A scratch copy of the committed bench_data tables (raw/ left out: tests do not need it). */
export function copyOfBenchData(): string {
  const dir = scratchDir()
  cpSync(path.join(ROOT, 'bench_data'), dir, {recursive: true, filter: (src) => !src.includes(`${path.sep}raw`)})
  return dir
}

/** Relative path -> SHA-256 of every file under dir. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex')
    }
  }
  walk(dir)
  return out
}
