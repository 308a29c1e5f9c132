import {runCalibrate, type CalibrateResult} from '../api/calibrate.js'
import {BaseCommand} from '../cli/base.js'
import {renderCalibrateText} from '../cli/calibrate-text.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {calibrateOptions} from '../options/calibrate.js'

export type {CalibrateResult}

export default class Calibrate extends BaseCommand {
  static summary = 'Compare the simulator with measured throughput and latency; fit corrections; check for drift.'
  static description = `Evaluates every row of the measurement files (default: every *.csv in the bundled calibration/ folder) with the simulator in-process and prints one line per row (actual, simulated, error) and the MAPE, largest error and bias per phase and overall.
A measurements file has the header id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes (see docs/calibrate.md).
--fit fits a speed factor per phase and a linear model of the log error, prints the leave-one-out cross-validated error first, and writes the fit for \`infersim simulate --calibration\`. With serving rows it also fits each serving engine's parameters (data/engines/<engine>.json, see docs/serving.md), reports their cross-validated error per engine and model, and rewrites the engine files.
--check compares MAPE per profile and phase with the committed baseline and exits 1 when any grows by more than --tolerance or a row fails to simulate.`

  static examples = [
    {description: 'Every shipped measurement under both profiles', command: '<%= config.bin %> calibrate'},
    {description: 'Fit corrections and write calibration/fit.json', command: '<%= config.bin %> calibrate --profile default --fit'},
    {description: 'Drift check (CI)', command: '<%= config.bin %> calibrate --check'},
    {description: 'Your own measurements, going on past bad rows, with a plot', command: '<%= config.bin %> calibrate --measurements my-runs.csv --keep-going --plot calib.svg'},
    {description: 'Which part-B fix helps on the measurements', command: '<%= config.bin %> calibrate --ablate'},
  ]

  static flags = oclifFlags(calibrateOptions)

  async run(): Promise<CalibrateResult> {
    const {flags, metadata} = await this.parse(Calibrate)
    const result = runCalibrate(optionsFromFlags(calibrateOptions, flags, metadata), {
      writeEngineFiles: true,
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
