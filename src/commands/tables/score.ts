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
    const progress = process.stderr.isTTY
    const report = scoreTables(tables, {
      gpu: gpuOf,
      compareQuantities: flags.quantities,
      onTable: progress ? (path, i, n) => process.stderr.write(`\rscoring ${i + 1}/${n} ${path.padEnd(60)}`) : undefined,
    })
    if (progress) process.stderr.write('\r'.padEnd(80) + '\r')
    const borrowing = flags.borrowing
      ? scoreBorrowing(tables, (key) => {
          const g = gpuOf(key)
          return g && {...g, gemmDtype: dtypeOf(report, key)}
        })
      : undefined
    if (!this.jsonEnabled()) this.log(renderScore(report, borrowing))
    return {...report, ...(borrowing ? {borrowing} : {})}
  }
}

/** The GEMM dtype the score inferred for a GPU's tables. */
function dtypeOf(report: ScoreReport, gpuKey: string): 'fp8' | 'bf16' {
  return report.gemmDtypes[gpuKey] ?? 'bf16'
}
