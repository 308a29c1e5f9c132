/** sweep(): the deployment search of `infersim sweep` (static phases, or serving with `serving: true`). */
import {usageError} from '../errors.js'
import {loadEngine} from '../io/engines.js'
import type {GpuInput, ModelInput, TablesInput} from '../io/inputs.js'
import {benchDataArgument, modelArgument} from '../io/inputs.js'
import {camelCase, kebabCase, resolveOptions, type OptionsOf} from '../options/spec.js'
import {sweepOptions} from '../options/sweep.js'
import type {ProfileName} from '../profile.js'
import {parseSweepFlags, splitList, type SweepFlagValues} from '../sweep/flags.js'
import {loadSweepInputs, type SweepInputRequest} from '../sweep/inputs.js'
import type {SweepResult} from '../sweep/result.js'
import {runSweep} from '../sweep/run.js'
import {PHASE_ONLY_FLAGS, SERVING_ONLY_FLAGS, parseServingFlags, type ServingFlagValues} from '../sweep/serving/flags.js'
import {loadServingInputs} from '../sweep/serving/inputs.js'
import type {ServingSweepResult} from '../sweep/serving/result.js'
import {runServingSweep} from '../sweep/serving/run.js'

/** sweep's options: its flags in camelCase; model, each gpu and benchData may also be objects. */
export type SweepOptions = Omit<OptionsOf<typeof sweepOptions>, 'model' | 'gpu' | 'benchData'> & {
  model?: ModelInput
  /** GPU names (comma lists allowed) or GPU spec objects. */
  gpu?: GpuInput | GpuInput[]
  benchData?: TablesInput
}

export type {ServingSweepResult, SweepResult}

/**
 * Searches deployments as `infersim sweep` does and returns the object
 * `infersim sweep --json` prints: the phase sweep, or with `serving: true`
 * the serving sweep (engines, replicas, concurrency). Writes the CSV and the
 * plot only when `csv` and `plot` name files; shows progress on stderr only
 * with `progress: true`.
 */
export async function sweep(options: SweepOptions & {serving: true}): Promise<ServingSweepResult>
export async function sweep(options?: SweepOptions & {serving?: false}): Promise<SweepResult>
export async function sweep(options?: SweepOptions): Promise<SweepResult | ServingSweepResult>
export async function sweep(options: SweepOptions = {}): Promise<SweepResult | ServingSweepResult> {
  const o = resolveOptions('sweep', sweepOptions, options, ['model', 'gpu', 'benchData'])
  // Options the caller gave (not defaulted) that the other kind of sweep does not read.
  const given = (flag: string) => (options as Record<string, unknown>)[camelCase(flag)] !== undefined
  const misplaced = (o.serving ? PHASE_ONLY_FLAGS : SERVING_ONLY_FLAGS).filter(given)
  if (misplaced.length > 0) throw usageError(`--${misplaced[0]} ${o.serving ? 'does not apply to a serving sweep (--serving)' : 'applies only with --serving'}`)
  const gpuInputs = (o.gpu as GpuInput[]).flatMap((g): GpuInput[] => (typeof g === 'string' ? splitList([g]) : [g]))
  const flagValues = Object.fromEntries(Object.entries(o).map(([k, v]) => [kebabCase(k), v])) as unknown as ServingFlagValues
  const gpuNames = gpuInputs.map((g) => (typeof g === 'string' ? g : g.name))
  const model = o.model as ModelInput
  const benchData = o.benchData as TablesInput | undefined
  const request = (calibration: SweepInputRequest['calibration']): SweepInputRequest => ({
    model,
    gpus: gpuInputs,
    gpuSpec: o.gpuSpec as string | undefined,
    benchData,
    profile: o.profile as ProfileName,
    calibration,
  })
  const progress = o.progress ? {write: (t: string) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY)} : undefined
  const output = {top: o.top as number, csv: o.csv as string | undefined, plot: o.plot as string | undefined, progress}

  if (o.serving) {
    const parsed = parseServingFlags({...flagValues, gpu: gpuNames, engine: (o.engine as string[]) ?? []})
    const engineDir = o.engineDir as string | undefined
    const inputs = loadServingInputs({...request(parsed.calibration), engines: parsed.engines, engineDir})
    const {result} = await runServingSweep({
      ...inputs,
      ...output,
      command: {model: modelArgument(model, inputs.model), gpuSpec: o.gpuSpec as string | undefined, benchData: benchDataArgument(benchData), engineDir},
      space: parsed.space,
      targets: parsed.targets,
      workers: parsed.workers,
    })
    return result
  }
  const parsed = parseSweepFlags({...(flagValues as SweepFlagValues), gpu: gpuNames})
  const inputs = loadSweepInputs(request(parsed.calibration))
  const {result} = await runSweep({
    ...inputs,
    ...output,
    // The phase figures use simulate's default engine, so that each point's `infersim simulate` line reproduces it.
    engine: loadEngine('sglang'),
    space: parsed.space,
    workload: parsed.workload,
    workers: parsed.workers,
    command: {model: modelArgument(model, inputs.model), gpuSpec: o.gpuSpec as string | undefined, benchData: benchDataArgument(benchData)},
  })
  return result
}
