/**
 * infersim as a library: the commands as functions. Each takes the
 * command's flags in camelCase and returns the object the command prints
 * with --json. Errors are InfersimError (kind 'usage' for bad options,
 * 'input' for bad files), with the message the command prints.
 */
export {simulate, serve, type SimulateOptions, type ServeOptions, type SimulateResult} from './api/simulate.js'
export {sweep, type SweepOptions, type SweepResult} from './api/sweep.js'
export {calibrate, type CalibrateOptions, type CalibrateResult} from './api/calibrate.js'
export {listModels, listGpus, loadModel, loadTables, type ListModelsOptions, type ListGpusOptions, type GpuListing, type LoadModelOptions} from './api/catalog.js'
export {InfersimError, type ErrorKind} from './errors.js'
export type {GpuInput, HfConfig, ModelInput, TablesInput} from './io/inputs.js'
export type {GpuSpec, GpuRates} from './hardware/gpu.js'
export type {ModelSpec} from './model/types.js'
export type {ModelSummary} from './report/model-summary.js'
export type {KernelTable, TableRow, TableSet, SimWarning, MfuLookup} from './tables/types.js'
export type {SimResult} from './sim/result.js'
export type {ServingResult} from './serving/simulate.js'
export type {Calibrated} from './calibrate/apply.js'
export type {Deployment} from './sim/deployment.js'
export type {ProfileName} from './profile.js'
