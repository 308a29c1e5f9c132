/** calibrate's options. Files are written only where asked: the CLI's defaults name them, the library's do not. */
import {FEATURE_NAMES} from '../calibrate/features.js'
import {HOLD_OUTS} from '../calibrate/hold-outs.js'
import {bundled} from '../io/paths.js'
import path from 'node:path'
import {benchDataOption, gpuOptions} from './shared.js'
import type {OptionSpecs} from './spec.js'

export const calibrateOptions = {
  measurements: {type: 'string', summary: 'Measurements file(s) (repeat the flag or give a comma list). Default: every *.csv in calibration/.', multiple: true},
  profile: {type: 'string', summary: 'Profile(s) to evaluate.', options: ['infersim', 'default', 'both'], default: 'both'},
  'keep-going': {type: 'boolean', summary: 'Report bad or failing rows and evaluate the rest.', default: false},
  ...gpuOptions,
  'bench-data': benchDataOption,
  fit: {type: 'boolean', summary: 'Fit corrections (phase factors and a linear error model) and write them.', default: false},
  'fit-file': {type: 'string', summary: 'Where --fit writes the fit.', defaultHelp: '~/.config/infersim/fit.json (or $INFERSIM_HOME/fit.json)'},
  'fit-features': {type: 'string', list: 'string', summary: `Features of the linear model, comma list of ${FEATURE_NAMES.join(', ')}.`, default: 'overhead,comm,fallback'},
  'hold-out': {
    type: 'string',
    list: 'string',
    summary: `With --fit: the serving fit's held-out views, comma list of ${HOLD_OUTS.join(', ')} (each refits the engine once per GPU, model or engine version left out; on the bundled serving files gpu alone, with each GPU fitted alone, takes about 2 minutes, all three about 7).`,
    default: HOLD_OUTS.join(','),
  },
  ridge: {type: 'float', summary: "Ridge penalty on the linear model's standardized feature coefficients.", default: 1},
  check: {type: 'boolean', summary: 'Compare with the baseline; exit 1 on a regression or a failing row.', default: false, exclusive: ['write-baseline']},
  'write-baseline': {type: 'boolean', summary: 'Write the current errors as the baseline.', default: false},
  baseline: {type: 'string', summary: 'Baseline file.', default: path.join(bundled.calibration, 'baseline.json'), defaultHelp: 'calibration/baseline.json'},
  tolerance: {type: 'float', summary: 'Allowed MAPE growth per profile and phase, percentage points.', default: 1},
  plot: {type: 'string', summary: 'Write simulated vs actual (log-log, y = x, +-10% band) to this SVG file.'},
  'engine-dir': {
    type: 'string',
    summary: 'Folder of serving-engine files (<engine>.json) that serving rows use and --fit writes; an engine without a file there uses the bundled one.',
    defaultHelp: '~/.config/infersim/engines (or $INFERSIM_HOME/engines)',
  },
  ablate: {type: 'boolean', summary: 'Default profile with each switch toggled in turn (off where it is on, on where it is off): MAPE change per switch.', default: false},
} as const satisfies OptionSpecs
