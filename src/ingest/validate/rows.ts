/** Validates read rows: physics first, then the MFU check. Rows with an error are rejected. */
import {findGpu, type GpuSpec} from '../../hardware/gpu.js'
import type {IngestRow, Issue, ValidRow} from '../types.js'
import {checkMfu} from './mfu.js'
import {physicsIssues} from './physics.js'

export interface RowValidation {
  valid: ValidRow[]
  rejected: IngestRow[]
  issues: Issue[]
}

export function validateRows(rows: readonly IngestRow[], gpus: readonly GpuSpec[], strict: boolean): RowValidation {
  const valid: ValidRow[] = []
  const rejected: IngestRow[] = []
  const issues: Issue[] = []
  for (const row of rows) {
    const physics = physicsIssues(row)
    if (physics.length > 0) {
      issues.push(...physics)
      rejected.push(row)
      continue
    }
    const outcome = checkMfu(row, findGpu(gpus, row.target.gpu), strict)
    issues.push(...outcome.issues)
    if (outcome.issues.some((i) => i.severity === 'error')) rejected.push(row)
    else valid.push({...row, values: outcome.values, mfuChecks: outcome.checks})
  }
  return {valid, rejected, issues}
}
