/**
 * --csv FILE: every simulated point, streamed to a temp file as the sweep
 * runs (memory stays flat), then rewritten with the layout columns and a
 * frontier flag once the frontier is known, into a temp file beside FILE that
 * is renamed over it. The points file has no name (it is unlinked as soon as
 * it is open), so no kill leaves it behind; the final temp file exists only
 * while the last rewrite runs, Ctrl-C or SIGTERM removes it, and after a
 * SIGKILL the next write into the folder does. A failed sweep leaves FILE as
 * it was.
 */
import {closeSync, createReadStream, mkdirSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs'
import path from 'node:path'
import {inputError} from '../errors.js'
import {streamCsv} from '../io/csv.js'
import {failpoint} from '../io/failpoint.js'
import {fsErrorReason} from '../io/fs-errors.js'
import {onInterrupt} from '../io/interrupt.js'
import {displayPath} from '../io/paths.js'
import {removeFile, removeStaleTemps, tempPathFor} from '../io/temp-files.js'
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
  /** Set while the points file still has a name (where an open file cannot be unlinked). */
  private pointsName: string | undefined
  private readonly finalTmp: string
  private fd: number | undefined
  private buf = ''
  private readonly forget: () => void

  constructor(private readonly file: string) {
    const dir = path.dirname(path.resolve(file))
    const points = tempPathFor(`${file}.points`)
    this.finalTmp = tempPathFor(file)
    try {
      mkdirSync(dir, {recursive: true})
      removeStaleTemps(dir)
      this.fd = openSync(points, 'w+')
    } catch (error) {
      throw inputError(`cannot write ${displayPath(file)}: ${fsErrorReason(error)}`)
    }
    try {
      unlinkSync(points)
    } catch {
      this.pointsName = points
    }
    this.forget = onInterrupt(() => this.abort())
  }

  add(p: SweepPoint, meets: boolean): void {
    failpoint('sweep-csv:point')
    this.buf += `${p.layout},${p.phase === 'prefill' ? 0 : 1},${p.value},${p.latencyMs},${p.tgs},${meets ? 1 : 0}\n`
    if (this.buf.length >= FLUSH_CHARS) this.flush()
  }

  private flush(): void {
    if (this.fd !== undefined && this.buf) {
      writeSync(this.fd, this.buf)
    }
    this.buf = ''
  }

  /** Writes FILE: the streamed points with their layout columns and frontier flag. */
  async finish(layouts: readonly Layout[], gpuNames: readonly string[], frontier: ReadonlySet<string>): Promise<void> {
    let out: number | undefined
    try {
      this.flush()
      out = openSync(this.finalTmp, 'w')
      writeSync(out, `${CSV_COLUMNS.join(',')}\n`)
      const layoutCells = layouts.map((l) =>
        [gpuNames[l.gpu], l.worldSize, l.nodes, l.tp, l.weights.resolved, l.fp8Kv, l.deepep, l.tbo].join(','),
      )
      // The stream reads the points file from its start and closes it when done.
      const points = createReadStream('', {fd: this.fd!, start: 0})
      this.fd = undefined
      let block = ''
      for await (const {cells} of streamCsv(points, displayPath(this.file))) {
        const [layout, phase, value, latency, tgs, meets] = cells
        const p = {layout: Number(layout), phase: phase === '0' ? ('prefill' as const) : ('decode' as const), value: Number(value)}
        const isPrefill = p.phase === 'prefill'
        const userTps = isPrefill ? '' : String(1000 / Number(latency))
        block += `${layoutCells[p.layout]},${p.phase},${isPrefill ? value : ''},${isPrefill ? '' : value},${latency},${tgs},${userTps},${meets === '1'},${frontier.has(pointKey(p))}\n`
        if (block.length >= FLUSH_CHARS) {
          writeSync(out, block)
          block = ''
        }
      }
      writeSync(out, block)
      closeSync(out)
      out = undefined
      failpoint('sweep-csv:written')
      renameSync(this.finalTmp, this.file)
    } catch (error) {
      if (out !== undefined) closeSync(out)
      this.abort()
      throw inputError(`cannot write ${displayPath(this.file)}: ${fsErrorReason(error)}`)
    }
    this.abort()
  }

  /** Closes and removes the temp files (also after a successful finish, when only the points file is left). */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    if (this.pointsName) removeFile(this.pointsName)
    removeFile(this.finalTmp)
    this.forget()
  }
}
