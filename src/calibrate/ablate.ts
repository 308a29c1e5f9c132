/**
 * Ablation of the default profile: the measurement set evaluated with each
 * part-B switch turned off in turn, MAPE compared with the full default
 * profile over the rows that evaluate in both runs.
 */
import {getProfile, SWITCH_NAMES, SWITCH_SPEC_IDS, type SwitchName} from '../profile.js'
import type {EvalEnvironment} from './environment.js'
import {evaluateRows} from './runner.js'
import {phaseOrder, summarizeErrors} from './summary.js'
import type {MeasurementRow, RowOutcome} from './types.js'

export interface MapeChange {
  rows: number
  mape_default: number
  mape_off: number
  /** mape_off - mape_default, percentage points: positive means the switch lowers the error. */
  delta: number
}

export interface SwitchAblation {
  switch: SwitchName
  spec: string
  phases: Record<string, MapeChange>
  overall: MapeChange
  /** Rows that evaluate with the switch on but fail with it off. */
  failed_off: number
}

function change(on: RowOutcome[], off: Map<string, RowOutcome>): MapeChange {
  const pairs = on.filter((o) => off.get(o.id)?.status === 'ok')
  const mapeOn = summarizeErrors(pairs.map((o) => o.error_pct!)).mape
  const mapeOff = summarizeErrors(pairs.map((o) => off.get(o.id)!.error_pct!)).mape
  return {rows: pairs.length, mape_default: mapeOn, mape_off: mapeOff, delta: mapeOff - mapeOn}
}

export function ablateSwitches(rows: readonly MeasurementRow[], env: EvalEnvironment, defaultOutcomes?: RowOutcome[]): SwitchAblation[] {
  const on = (defaultOutcomes ?? evaluateRows(rows, env, getProfile('default'))).filter((o) => o.status === 'ok')
  const phases = phaseOrder(on.map((o) => o.phase))
  return SWITCH_NAMES.map((name) => {
    const offOutcomes = evaluateRows(rows, env, getProfile('default', {[name]: false}))
    const off = new Map(offOutcomes.map((o) => [o.id, o]))
    const byPhase: Record<string, MapeChange> = {}
    for (const p of phases) byPhase[p] = change(on.filter((o) => o.phase === p), off)
    return {
      switch: name,
      spec: SWITCH_SPEC_IDS[name],
      phases: byPhase,
      overall: change(on, off),
      failed_off: on.filter((o) => off.get(o.id)?.status !== 'ok').length,
    }
  })
}
