/** Loads what a serving sweep needs: the sweep's inputs plus each engine's parameters and launch flags. */
import type {Engine, EngineName} from '../../engine.js'
import {loadEngine} from '../../io/engines.js'
import {loadLaunchFlags, type EngineLaunchSpec} from '../../io/launch-flags.js'
import {loadSweepInputs, type SweepInputRequest, type SweepInputs} from '../inputs.js'

export interface ServingInputs extends SweepInputs {
  engines: Engine[]
  specs: EngineLaunchSpec[]
  /** The engine `infersim simulate` uses by default (bundled SGLang): the disaggregated phase figures' per-forward overheads, as their reproducing lines compute them. */
  phaseEngine: Engine
}

export function loadServingInputs(req: SweepInputRequest & {engines: string[]; engineDir?: string}): ServingInputs {
  const inputs = loadSweepInputs(req)
  const flags = loadLaunchFlags()
  return {
    ...inputs,
    engines: req.engines.map((e) => loadEngine(e, req.engineDir)),
    specs: req.engines.map((e) => flags.engines[e as EngineName]),
    phaseEngine: loadEngine('sglang'),
  }
}
