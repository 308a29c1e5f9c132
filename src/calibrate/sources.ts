/** Reads measurement files (via io) into rows, with duplicate ids across files found. */
import path from 'node:path'
import {bundled, displayPath} from '../io/paths.js'
import {listFiles, readTextFile} from '../io/text-file.js'
import {duplicateIdProblems, parseMeasurements} from './measurements.js'
import type {MeasurementRow, RowProblem} from './types.js'

/** The shipped measurement files: every *.csv directly in calibration/. */
export function bundledMeasurementFiles(dir = bundled.calibration): string[] {
  return listFiles(dir, '.csv')
}

export function loadMeasurementFiles(files: readonly string[]): {rows: MeasurementRow[]; problems: RowProblem[]} {
  const rows: MeasurementRow[] = []
  const problems: RowProblem[] = []
  for (const f of files) {
    const abs = path.resolve(f)
    const parsed = parseMeasurements(readTextFile(abs, 'measurements file'), displayPath(abs), path.dirname(abs))
    rows.push(...parsed.rows)
    problems.push(...parsed.problems)
  }
  const dedup = duplicateIdProblems(rows)
  return {rows: dedup.rows, problems: [...problems, ...dedup.problems]}
}
