import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {benchDataFlag, gpuFlags} from '../../cli/flags.js'
import {effectiveRates, findGpu, gpuTableKey, type GpuSpec} from '../../hardware/gpu.js'
import {loadGpus, resolveGpu} from '../../io/gpus.js'
import {bundled, displayPath} from '../../io/paths.js'
import {loadTableSet} from '../../io/tables.js'
import {renderScore} from '../../report/score.js'
import {scoreBorrowing, type BorrowScore} from '../../tables/score-borrow.js'
import {scoreTables, type ScoreGpu, type ScoreReport} from '../../tables/score.js'
import {inputError} from '../../errors.js'
import {ProgressBar, type ProgressSink} from '../../sweep/progress.js'

const scoreGpu = (g: GpuSpec): ScoreGpu => ({defaultMfu: g.defaultMfu, memBw: effectiveRates(g).memBw, fp16Tflops: g.fp16Tflops, fp8Tflops: g.fp8Tflops})

export default class TablesScore extends BaseCommand {
  static summary = 'Leave-one-out score of the MFU lookups: nearest point (compat) vs interpolation (default).'
  static description = `Hides each measured point of each kernel table in turn and predicts it from the rest, once with the nearest-point lookup of --profile infersim and once with the default profile's interpolation. Prints the median and 90th percentile of the absolute % error of MFU per table, per kernel family and overall.
--quantities also scores each quantity the interpolation could blend (MFU, latency, utilisation against the roofline): the source of the per-family choice in src/tables/interpolate/quantities.ts.
--borrowing hides whole shapes (a GEMM (k, n) site, an attention head configuration, a MoE key) and compares borrowing from the nearest shape with the roofline fallback, by log2 distance: the source of the borrowing limits.`

  static examples = [
    '<%= config.bin %> tables score',
    '<%= config.bin %> tables score --gpu H800 --quantities',
    '<%= config.bin %> tables score --borrowing --json',
  ]

  static flags = {
    gpu: Flags.string({summary: 'Score only this GPU\'s tables (default: every GPU folder).'}),
    'gpu-spec': gpuFlags['gpu-spec'],
    'bench-data': benchDataFlag,
    quantities: Flags.boolean({summary: 'Also score blending MFU, latency and utilisation in every family.', default: false}),
    borrowing: Flags.boolean({summary: 'Also score borrowing across shapes (leave one shape out).', default: false}),
    progress: Flags.boolean({summary: 'Progress bar on stderr for runs over a second.', default: true, allowNo: true}),
  }

  async run(): Promise<ScoreReport & {borrowing?: BorrowScore[]}> {
    const {flags} = await this.parse(TablesScore)
    const gpus = loadGpus(flags['gpu-spec'])
    const only = flags.gpu === undefined ? undefined : [gpuTableKey(resolveGpu(gpus, flags.gpu).name)]
    const root = flags['bench-data'] ?? bundled.benchData
    const tables = loadTableSet(root, only)
    if (tables.paths().length === 0) throw inputError(`no kernel tables under ${displayPath(root)}${flags.gpu ? ` for ${flags.gpu}` : ''}`)
    const gpuOf = (key: string) => {
      const g = findGpu(gpus, key)
      return g && scoreGpu(g)
    }
    const sink = flags.progress ? {write: (t: string) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY)} : undefined
    const report = withProgress(sink, 'score', (onTable) => scoreTables(tables, {gpu: gpuOf, compareQuantities: flags.quantities, onTable}))
    const borrowing = flags.borrowing
      ? withProgress(sink, 'borrowing', (onTable) =>
          scoreBorrowing(
            tables,
            (key) => {
              const g = gpuOf(key)
              return g && {...g, gemmDtype: dtypeOf(report, key)}
            },
            onTable,
          ),
        )
      : undefined
    if (!this.jsonEnabled()) this.log(renderScore(report, borrowing))
    return {...report, ...(borrowing ? {borrowing} : {})}
  }
}

/** Runs `work` with a progress bar of tables done on stderr (shown for runs over a second). */
function withProgress<T>(sink: ProgressSink | undefined, label: string, work: (onTable: (table: string, done: number, count: number) => void) => T): T {
  let done = 0
  const bar = new ProgressBar(sink, () => done, undefined, {label, unit: 'tables'})
  const result = work((_table, d, count) => {
    const before = done
    done = d
    if (before === 0) bar.addWork(count)
    bar.tick(d - before)
  })
  bar.finish()
  return result
}

/** The GEMM dtype the score inferred for a GPU's tables. */
function dtypeOf(report: ScoreReport, gpuKey: string): 'fp8' | 'bf16' {
  return report.gemmDtypes[gpuKey] ?? 'bf16'
}
