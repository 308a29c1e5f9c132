/** sweep(): the deployment search of `infersim sweep`. */
import type {GpuInput, ModelInput, TablesInput} from '../io/inputs.js'
import {benchDataArgument, modelArgument} from '../io/inputs.js'
import {kebabCase, resolveOptions, type OptionsOf} from '../options/spec.js'
import {sweepOptions} from '../options/sweep.js'
import type {ProfileName} from '../profile.js'
import {parseSweepFlags, splitList, type SweepFlagValues} from '../sweep/flags.js'
import {loadSweepInputs} from '../sweep/inputs.js'
import type {SweepResult} from '../sweep/result.js'
import {runSweep} from '../sweep/run.js'

/** sweep's options: its flags in camelCase; model, each gpu and benchData may also be objects. */
export type SweepOptions = Omit<OptionsOf<typeof sweepOptions>, 'model' | 'gpu' | 'benchData'> & {
  model?: ModelInput
  /** GPU names (comma lists allowed) or GPU spec objects. */
  gpu?: GpuInput | GpuInput[]
  benchData?: TablesInput
}

export type {SweepResult}

/**
 * Searches deployments as `infersim sweep` does and returns the object
 * `infersim sweep --json` prints. Writes the CSV and the plot only when
 * `csv` and `plot` name files; shows progress on stderr only with `progress: true`.
 */
export async function sweep(options: SweepOptions = {}): Promise<SweepResult> {
  const o = resolveOptions('sweep', sweepOptions, options, ['model', 'gpu', 'benchData'])
  const gpuInputs = (o.gpu as GpuInput[]).flatMap((g): GpuInput[] => (typeof g === 'string' ? splitList([g]) : [g]))
  const flagValues = Object.fromEntries(Object.entries(o).map(([k, v]) => [kebabCase(k), v])) as unknown as SweepFlagValues
  const parsed = parseSweepFlags({...flagValues, gpu: gpuInputs.map((g) => (typeof g === 'string' ? g : g.name))})
  const model = o.model as ModelInput
  const benchData = o.benchData as TablesInput | undefined
  const inputs = loadSweepInputs({
    model,
    gpus: gpuInputs,
    gpuSpec: o.gpuSpec as string | undefined,
    benchData,
    profile: o.profile as ProfileName,
    calibration: parsed.calibration,
  })
  const {result} = await runSweep({
    ...inputs,
    space: parsed.space,
    workload: parsed.workload,
    workers: parsed.workers,
    top: o.top as number,
    command: {model: modelArgument(model, inputs.model), gpuSpec: o.gpuSpec as string | undefined, benchData: benchDataArgument(benchData)},
    csv: o.csv as string | undefined,
    plot: o.plot as string | undefined,
    progress: o.progress ? {write: (t) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY)} : undefined,
  })
  return result
}
