/** Validates read rows: physics first, then the MFU check. Rows with an error are rejected. */
import {findGpu, type GpuSpec} from '../../hardware/gpu.js'
import type {IngestRow, Issue, ValidRow} from '../types.js'
import {pushAll} from '../../util/arrays.js'
import {checkMfu} from './mfu.js'
import {physicsIssues} from './physics.js'
import {weightStreamIssues} from './weight-stream.js'

export interface RowValidation {
  valid: ValidRow[]
  rejected: IngestRow[]
  issues: Issue[]
}

/** Stated MFU precision is needed only by the check: a checked row drops its own. */
const NO_DECIMALS: Record<string, number> = Object.freeze({}) as Record<string, number>

export function validateRows(rows: readonly IngestRow[], gpus: readonly GpuSpec[], strict: boolean): RowValidation {
  const valid: ValidRow[] = []
  const rejected: IngestRow[] = []
  const issues: Issue[] = []
  const gpuByFolder = new Map<string, GpuSpec | undefined>()
  const gpuOf = (folder: string) => {
    if (!gpuByFolder.has(folder)) gpuByFolder.set(folder, findGpu(gpus, folder))
    return gpuByFolder.get(folder)
  }
  for (const row of rows) {
    const physics = physicsIssues(row)
    if (physics.length > 0) {
      pushAll(issues, physics)
      rejected.push(row)
      continue
    }
    const outcome = checkMfu(row, gpuOf(row.target.gpu), strict)
    pushAll(issues, outcome.issues)
    if (outcome.issues.some((i) => i.severity === 'error')) rejected.push(row)
    else {
      // The row becomes the valid row in place: a copy of each of a million rows costs as much as the checks.
      const checked = row as ValidRow
      checked.values = outcome.values
      checked.mfuChecks = outcome.checks
      checked.mfuDecimals = NO_DECIMALS
      valid.push(checked)
    }
  }
  pushAll(issues, weightStreamIssues(valid, gpuOf))
  return {valid, rejected, issues}
}
