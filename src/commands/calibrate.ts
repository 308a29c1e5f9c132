import {runCalibrate, type CalibrateResult} from '../api/calibrate.js'
import {BaseCommand} from '../cli/base.js'
import {renderCalibrateText} from '../cli/calibrate-text.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {calibrateOptions} from '../options/calibrate.js'

export type {CalibrateResult}

export default class Calibrate extends BaseCommand {
  static summary = 'Compare the simulator with measured throughput and latency; fit corrections; check for drift.'
  static description = `Evaluates every row of the measurement files (default: every *.csv in the bundled calibration/ folder) with the simulator in-process and prints one line per row (actual, simulated, error) and the MAPE, largest error and bias per phase and overall; serving rows also get TTFT and TPOT apart (MAPE, median, share more than 2x off) per engine, model, GPU and clients per replica, and rows of a run's output rate (metric output_tgs) per GPU, model and layout (serving_accuracy in --json).
A measurements file has the header id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes, and optionally weight_format (bf16, fp8, int4, nvfp4, mxfp4) and, for serving rows, moe_tp, moe_ep, backend, backend_version, max_running_requests, gpu_memory_fraction, requests and cuda_graph_batch_sizes (see docs/calibrate.md).
--fit fits a speed factor per phase and a linear model of the log error, prints the leave-one-out cross-validated error first, and writes the fit for \`infersim simulate --calibration\` to --fit-file. With serving rows it also fits each serving engine's parameters (starting from those in use, see docs/serving.md), reports their error with a whole GPU, model or engine version held out (per engine and model; --json lists each row's prediction behind it) beside each GPU fitted alone (the most the model makes of that GPU's runs), and writes the engine files (with the held-out-GPU error as their accuracy, and the error of any output_tgs rows, which no fit reads, by GPU and layout) into --engine-dir, where \`simulate --serving\` and later calibrations find them. Both go to your own folder (~/.config/infersim, or $INFERSIM_HOME, or $XDG_CONFIG_HOME/infersim), never into the installed package; they are written together, all or nothing, and every output is checked to be writable before the work starts (docs/files.md).
--check compares MAPE per profile and phase (and per metric where a phase has two: TTFT and TPOT apart) with the committed baseline and exits 1 when any grows by more than --tolerance or a row fails to simulate.`

  static examples = [
    {description: 'Every shipped measurement under both profiles', command: '<%= config.bin %> calibrate'},
    {description: 'Fit corrections (and serving engines) into ~/.config/infersim', command: '<%= config.bin %> calibrate --profile default --fit'},
    {description: 'Fit into a project folder, and use it', command: '<%= config.bin %> calibrate --fit --fit-file fits/fit.json --engine-dir fits/engines && <%= config.bin %> simulate --serving --engine-dir fits/engines --calibration fits/fit.json'},
    {description: 'Drift check (CI)', command: '<%= config.bin %> calibrate --check'},
    {
      description: 'Try a change of the serving model: the GPU-held-out view only (about 2 minutes), into a scratch folder',
      command: '<%= config.bin %> calibrate --fit --hold-out gpu --profile default --fit-file scratch/fit.json --engine-dir scratch/engines',
    },
    {description: 'Your own measurements, going on past bad rows, with a plot', command: '<%= config.bin %> calibrate --measurements my-runs.csv --keep-going --plot calib.svg'},
    {description: 'Which switch of the default profile helps on the measurements', command: '<%= config.bin %> calibrate --ablate'},
  ]

  static flags = oclifFlags(calibrateOptions)

  async run(): Promise<CalibrateResult> {
    const {flags, metadata} = await this.parse(Calibrate)
    const result = runCalibrate(optionsFromFlags(calibrateOptions, flags, metadata), {
      userFolderOutputs: true,
      progress: (m) => process.stderr.write(`${m}\n`),
    })
    if (this.jsonEnabled()) {
      if (result.check && !result.check.passed) {
        this.logJson(result)
        this.exit(1)
      }
    } else {
      this.log(renderCalibrateText(result))
      if (result.check && !result.check.passed) this.error('calibration check failed (see above)', {exit: 1})
    }
    return result
  }
}
