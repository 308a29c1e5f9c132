/** What evaluating a layout needs, in a form that crosses to a worker thread (plain data: no functions, no TableSet). */
import type {Engine} from '../engine.js'
import type {GpuSpec} from '../hardware/gpu.js'
import type {ModelSpec} from '../model/types.js'
import {getProfile, type ProfileName, type ProfileSwitches} from '../profile.js'
import {plainTable} from '../tables/columnar.js'
import {tableSetFrom, type KernelTable, type TableSet} from '../tables/types.js'
import {figuresOf, type SweepCalibration} from './calibration.js'
import type {EvalContext} from './evaluate.js'
import type {SweepSpace, Workload} from './types.js'

export interface SweepSetup {
  model: ModelSpec
  gpus: GpuSpec[]
  profile: {name: ProfileName; switches: ProfileSwitches}
  workload: Workload
  space: Pick<SweepSpace, 'prefillTokens' | 'decodeBatches' | 'maxDecodeBatch' | 'refine'>
  calibration?: SweepCalibration
  engine?: Engine
}

/** Tables of each GPU as plain rows, to rebuild a TableSet in a worker. */
export interface PlainTables {
  root: string
  tables: KernelTable[]
}

export function plainTables(set: TableSet): PlainTables {
  return {root: set.root, tables: set.paths().map((p) => plainTable(set.get(p)!))}
}

export function evalContext(setup: SweepSetup, tables: TableSet[]): EvalContext {
  return {
    model: setup.model,
    gpus: setup.gpus,
    tables,
    profile: getProfile(setup.profile.name, setup.profile.switches),
    workload: setup.workload,
    space: setup.space,
    figures: figuresOf(setup.calibration),
    engine: setup.engine,
  }
}

export function evalContextFromPlain(setup: SweepSetup, tables: PlainTables[]): EvalContext {
  return evalContext(
    setup,
    tables.map((t) => tableSetFrom(t.root, t.tables)),
  )
}
