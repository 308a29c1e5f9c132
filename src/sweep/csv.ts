/**
 * --csv FILE: every simulated point, streamed to a temp file beside FILE as
 * the sweep runs (memory stays flat), then rewritten with the layout columns
 * and a frontier flag once the frontier is known, and renamed over FILE.
 * A failed sweep leaves FILE as it was.
 */
import {closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {displayPath} from '../io/paths.js'
import type {PointSink} from './aggregate.js'
import type {Layout, SweepPoint} from './types.js'

export const CSV_COLUMNS = [
  'gpu',
  'world_size',
  'nodes',
  'tp',
  'weights',
  'fp8_kv',
  'deepep',
  'tbo',
  'phase',
  'max_prefill_tokens',
  'decode_batch',
  'latency_ms',
  'tokens_per_gpu_s',
  'tokens_per_user_s',
  'meets_target',
  'frontier',
] as const

/** Key of a point in the frontier set. */
export const pointKey = (p: Pick<SweepPoint, 'layout' | 'phase' | 'value'>) => `${p.layout}|${p.phase}|${p.value}`

const FLUSH_CHARS = 1 << 16

export class CsvPointSink implements PointSink {
  private readonly rawFile: string
  private readonly finalTmp: string
  private fd: number | undefined
  private buf = ''

  constructor(private readonly file: string) {
    const dir = path.dirname(path.resolve(file))
    const stem = `.${path.basename(file)}.${process.pid}.${Date.now()}`
    this.rawFile = path.join(dir, `${stem}.points.tmp`)
    this.finalTmp = path.join(dir, `${stem}.tmp`)
    try {
      mkdirSync(dir, {recursive: true})
      this.fd = openSync(this.rawFile, 'w')
    } catch (error) {
      throw inputError(`cannot write ${displayPath(file)}: ${(error as Error).message}`)
    }
  }

  add(p: SweepPoint, meets: boolean): void {
    this.buf += `${p.layout},${p.phase === 'prefill' ? 0 : 1},${p.value},${p.latencyMs},${p.tgs},${meets ? 1 : 0}\n`
    if (this.buf.length >= FLUSH_CHARS) this.flush()
  }

  private flush(): void {
    if (this.fd !== undefined && this.buf) writeSync(this.fd, this.buf)
    this.buf = ''
  }

  /** Writes FILE: the streamed points with their layout columns and frontier flag. */
  finish(layouts: readonly Layout[], gpuNames: readonly string[], frontier: ReadonlySet<string>): void {
    let out: number | undefined
    try {
      this.flush()
      closeSync(this.fd!)
      this.fd = undefined
      out = openSync(this.finalTmp, 'w')
      writeSync(out, `${CSV_COLUMNS.join(',')}\n`)
      const layoutCells = layouts.map((l) =>
        [gpuNames[l.gpu], l.worldSize, l.nodes, l.tp, l.weights.resolved, l.fp8Kv, l.deepep, l.tbo].join(','),
      )
      forEachLine(this.rawFile, (line) => {
        const [layout, phase, value, latency, tgs, meets] = line.split(',')
        const p = {layout: Number(layout), phase: phase === '0' ? ('prefill' as const) : ('decode' as const), value: Number(value)}
        const isPrefill = p.phase === 'prefill'
        const userTps = isPrefill ? '' : String(1000 / Number(latency))
        return `${layoutCells[p.layout]},${p.phase},${isPrefill ? value : ''},${isPrefill ? '' : value},${latency},${tgs},${userTps},${meets === '1'},${frontier.has(pointKey(p))}\n`
      }, out)
      closeSync(out)
      out = undefined
      renameSync(this.finalTmp, this.file)
    } catch (error) {
      if (out !== undefined) closeSync(out)
      this.abort()
      throw inputError(`cannot write ${displayPath(this.file)}: ${(error as Error).message}`)
    }
    rmSync(this.rawFile, {force: true})
  }

  /** Removes the temp files (a failed sweep). */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    rmSync(this.rawFile, {force: true})
    rmSync(this.finalTmp, {force: true})
  }
}

/** Streams the lines of `file` through `map` into the open file `out`, a chunk at a time. */
function forEachLine(file: string, map: (line: string) => string, out: number): void {
  const fd = openSync(file, 'r')
  try {
    const chunk = Buffer.alloc(1 << 20)
    let rest = ''
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      const text = rest + chunk.toString('latin1', 0, n)
      const lines = text.split('\n')
      rest = lines.pop()!
      let block = ''
      for (const line of lines) if (line) block += map(line)
      writeSync(out, block)
    }
    if (rest) writeSync(out, map(rest))
  } finally {
    closeSync(fd)
  }
}
