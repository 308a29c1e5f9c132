import {Flags} from '@oclif/core'
import {statSync} from 'node:fs'
import {calibrateWithFile, type Calibrated} from '../calibrate/apply.js'
import {renderCalibrated} from '../calibrate/text.js'
import {BaseCommand} from '../cli/base.js'
import {deploymentFromFlags} from '../cli/deployment.js'
import {benchDataFlag, deploymentFlags, gpuFlags, intFlag, modelFlag, profileFlag, switchFlag} from '../cli/flags.js'
import {loadSimInputs} from '../io/inputs.js'
import {parseSwitchOverrides, type ProfileName} from '../profile.js'
import {renderText} from '../report/text.js'
import type {Deployment} from '../sim/deployment.js'
import type {SimResult} from '../sim/result.js'
import {simulate} from '../sim/simulate.js'
import {checkServingRequest} from '../sim/validate.js'
import {loadEngine} from '../io/engines.js'
import {displayPath} from '../io/paths.js'
import {usageError} from '../errors.js'
import {renderServing} from '../report/serving.js'
import {ENGINE_NAMES} from '../engine.js'
import {simulateServing, type ServingResult} from '../serving/simulate.js'

export default class Simulate extends BaseCommand {
  static summary = 'Predict TTFT, TPOT and tokens/GPU/s of one deployment.'
  static description = `Computes FLOPs and bytes per layer, divides by the GPU's peaks and by MFU measured on real kernels (bench_data/), and adds communication.
Prints the InferSim report sections, then a per-step breakdown saying whether each step is compute-, memory- or communication-bound and where its MFU came from.
InferSim's own flag names (--config-path, --device-type, --tp-size, --decode-bs, --use-fp8-gemm, ...) are accepted too.`

  static examples = [
    {description: 'Qwen3-8B on one H20 (bundled defaults)', command: '<%= config.bin %> simulate --model qwen3-8b --gpu H20'},
    {
      description: 'DeepSeek-V3 decode on 16 nodes of H800 with DeepEP and two-batch overlap',
      command: '<%= config.bin %> simulate --model deepseek-v3 --gpu H800 --world-size 128 --nodes 16 --fp8-gemm --deepep --tbo --osl 1786 --decode-batch 64 --decode-only',
    },
    {description: 'Exactly what InferSim prints, with its flag names', command: '<%= config.bin %> simulate --profile infersim --config-path hf_configs/qwen3-30b-a3b.json --device-type H20 --world-size 4 --decode-bs 100 --decode-only'},
    {description: 'The whole result as JSON', command: '<%= config.bin %> simulate --model qwen3-30b-a3b --gpu H20 --world-size 4 --json'},
    {
      description: 'Serving under load: 64 concurrent requests on a TP4 replica of Qwen3-32B with vLLM',
      command: '<%= config.bin %> simulate --model qwen3-32b --gpu H100-SXM --world-size 4 --tp 4 --isl 1024 --osl 512 --serving --concurrency 64 --engine vllm',
    },
    {
      description: 'Qwen3-235B on TensorRT-LLM with attention TP4 and MoE EP4',
      command: '<%= config.bin %> simulate --model qwen3-235b-a22b --gpu H100-SXM --world-size 4 --tp 4 --fp8-gemm --moe-ep 4 --serving --concurrency 32 --engine trtllm',
    },
  ]

  static flags = {
    model: modelFlag,
    ...gpuFlags,
    ...deploymentFlags,
    profile: profileFlag,
    switch: switchFlag,
    'bench-data': benchDataFlag,
    breakdown: Flags.boolean({summary: 'Print the per-step breakdown after the report.', default: true, allowNo: true}),
    serving: Flags.boolean({summary: 'Also predict serving under load: TTFT, TPOT and throughput of --concurrency closed-loop requests per replica with continuous batching (docs/serving.md).', default: false}),
    concurrency: intFlag({summary: 'Requests in flight per replica (one TP group) for --serving.', default: 16}),
    engine: Flags.string({
      summary: 'Serving engine: its per-forward overheads in the default profile, all its parameters with --serving (see --engine-dir).',
      options: [...ENGINE_NAMES],
      default: 'sglang',
    }),
    'engine-dir': Flags.string({
      summary: 'Folder of engine files (<engine>.json, as `calibrate --fit` writes them); an engine without a file there uses the bundled data/engines/<engine>.json.',
      defaultHelp: async () => '~/.config/infersim/engines (or $INFERSIM_HOME/engines)',
    }),
    'moe-ep': intFlag({summary: 'Expert-parallel size of the MoE layers over the world size (MoE EP x MoE TP = world size). Default: world size / tp (expert parallelism across attention groups, TP inside).'}),
    calibration: Flags.string({summary: 'Fit file written by `infersim calibrate --fit` (by default ~/.config/infersim/fit.json): print calibrated figures beside the raw ones.'}),
  }

  async run(): Promise<SimResult & {calibrated?: Calibrated; serving?: ServingResult & {engineFile: string}}> {
    const {flags} = await this.parse(Simulate)
    const engineDir = flags['engine-dir']
    if (engineDir !== undefined && !statSync(engineDir, {throwIfNoEntry: false})?.isDirectory()) throw usageError(`--engine-dir ${engineDir} is not a folder`)
    const inputs = loadSimInputs({
      model: flags.model,
      gpu: flags.gpu,
      gpuSpec: flags['gpu-spec'],
      benchData: flags['bench-data'],
      profile: flags.profile as ProfileName,
      switches: parseSwitchOverrides(flags.switch ?? []),
    })
    const deployment: Deployment = Object.assign(deploymentFromFlags(flags), flags['moe-ep'] === undefined ? {} : {moeEp: flags['moe-ep']})
    const given = (name: string) => this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`))
    const requestWarnings = checkServingRequest({serving: flags.serving, mode: deployment.mode, servingFlags: ['concurrency'].filter(given)})
    const engine = loadEngine(flags.engine, engineDir)
    const result = simulate(inputs.model, deployment, inputs.gpu, inputs.tables, inputs.profile, {engine})
    result.warnings.push(...requestWarnings)
    const calibrated = flags.calibration ? calibrateWithFile(flags.calibration, result) : undefined
    const budgetGiven = given('max-prefill-tokens')
    const serving = flags.serving
      ? {
          ...simulateServing(inputs.model, deployment, inputs.gpu, inputs.tables, inputs.profile, {
            concurrency: flags.concurrency,
            engine,
            maxPrefillTokens: budgetGiven ? flags['max-prefill-tokens'] : undefined,
          }),
          engineFile: displayPath(engine.file),
        }
      : undefined
    if (!this.jsonEnabled()) {
      this.log(renderText(result, {breakdown: flags.breakdown, calibrated: calibrated && renderCalibrated(calibrated)}))
      const seen = new Set(result.warnings.map((w) => w.message))
      if (serving) this.log([...renderServing(serving), ...serving.warnings.filter((w) => !seen.has(w.message)).map((w) => `warning: ${w.message}`)].join('\n'))
    }
    return Object.assign({}, result, calibrated ? {calibrated} : {}, serving ? {serving} : {})
  }
}
