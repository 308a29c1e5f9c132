/** What evaluating serving units needs, in a form that crosses to a worker thread (plain data). */
import type {Engine} from '../../engine.js'
import type {GpuSpec} from '../../hardware/gpu.js'
import type {ModelSpec} from '../../model/types.js'
import {getProfile, type ProfileName, type ProfileSwitches} from '../../profile.js'
import {tableSetFrom, type TableSet} from '../../tables/types.js'
import type {PlainTables} from '../context.js'
import type {ServingEvalContext} from './evaluate.js'

export interface ServingSetup extends Omit<ServingEvalContext, 'tables' | 'profile'> {
  model: ModelSpec
  gpus: GpuSpec[]
  engines: Engine[]
  profile: {name: ProfileName; switches: ProfileSwitches}
}

export function servingContext(setup: ServingSetup, tables: TableSet[]): ServingEvalContext {
  return {...setup, tables, profile: getProfile(setup.profile.name, setup.profile.switches)}
}

export function servingContextFromPlain(setup: ServingSetup, tables: PlainTables[]): ServingEvalContext {
  return servingContext(
    setup,
    tables.map((t) => tableSetFrom(t.root, t.tables)),
  )
}
