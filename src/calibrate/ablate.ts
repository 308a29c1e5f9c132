/**
 * Ablation of the default profile: the measurement set evaluated with each
 * switch toggled in turn (turned off if the default profile has it on,
 * on if it is off), MAPE with and without the switch compared over the rows
 * that evaluate in both runs.
 */
import {getProfile, SWITCH_NAMES, type SwitchName} from '../profile.js'
import type {EvalEnvironment} from './environment.js'
import {evaluateRows} from './runner.js'
import {phaseOrder, summarizeErrors} from './summary.js'
import type {MeasurementRow, RowOutcome} from './types.js'

export interface MapeChange {
  rows: number
  /** MAPE with the switch on. */
  mape_on: number
  /** MAPE with the switch off. */
  mape_off: number
  /** mape_off - mape_on, percentage points: positive means the switch lowers the error. */
  delta: number
}

export interface SwitchAblation {
  switch: SwitchName
  /** Whether the default profile has the switch on. */
  default_on: boolean
  phases: Record<string, MapeChange>
  overall: MapeChange
  /** Rows that evaluate in the default profile but fail with the switch toggled. */
  failed_toggled: number
}

function change(withSwitch: Map<string, RowOutcome>, withoutSwitch: Map<string, RowOutcome>, ids: readonly string[]): MapeChange {
  const pairs = ids.filter((id) => withSwitch.get(id)?.status === 'ok' && withoutSwitch.get(id)?.status === 'ok')
  const mapeOn = summarizeErrors(pairs.map((id) => withSwitch.get(id)!.error_pct!)).mape
  const mapeOff = summarizeErrors(pairs.map((id) => withoutSwitch.get(id)!.error_pct!)).mape
  return {rows: pairs.length, mape_on: mapeOn, mape_off: mapeOff, delta: mapeOff - mapeOn}
}

export function ablateSwitches(rows: readonly MeasurementRow[], env: EvalEnvironment, defaultOutcomes?: RowOutcome[]): SwitchAblation[] {
  const profile = getProfile('default')
  const base = (defaultOutcomes ?? evaluateRows(rows, env, profile)).filter((o) => o.status === 'ok')
  const baseById = new Map(base.map((o) => [o.id, o]))
  const phases = phaseOrder(base.map((o) => o.phase))
  return SWITCH_NAMES.map((name) => {
    const defaultOn = profile.switches[name]
    const toggled = new Map(evaluateRows(rows, env, getProfile('default', {[name]: !defaultOn})).map((o) => [o.id, o]))
    const [withSwitch, withoutSwitch] = defaultOn ? [baseById, toggled] : [toggled, baseById]
    const byPhase: Record<string, MapeChange> = {}
    for (const p of phases) byPhase[p] = change(withSwitch, withoutSwitch, base.filter((o) => o.phase === p).map((o) => o.id))
    return {
      switch: name,
      default_on: defaultOn,
      phases: byPhase,
      overall: change(withSwitch, withoutSwitch, base.map((o) => o.id)),
      failed_toggled: base.filter((o) => toggled.get(o.id)?.status !== 'ok').length,
    }
  })
}
