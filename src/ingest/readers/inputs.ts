/** Turns the paths given to `infersim ingest` (files and folders) into read results. */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {inputError, usageError} from '../../errors.js'
import {displayPath} from '../../io/paths.js'
import {hintsFromPath, resolveTarget, type TargetHints} from '../target.js'
import type {ReadResult} from '../types.js'
import {firstLineOf, isDataLine, readTableCsv} from './csv.js'
import {readJsonl} from './jsonl.js'
import {sourceInfo, type SourceNotes} from './source.js'

export interface InputOptions {
  out: string
  /** --kernel/--phase/--gpu/--shape: apply to every CSV input. */
  hints: TargetHints
  /** --columns: names for CSV files without a header row. */
  columns?: string[]
  /** --dtype: dtype of tables without a dtype column. */
  dtype?: string
  notes: SourceNotes
  /** --allow-cpu: accept CPU smoke-run records. */
  allowCpu?: boolean
}

const isInput = (name: string) => /\.(csv|jsonl)$/i.test(name) && !name.startsWith('.')

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(p, out)
    else if (isInput(entry.name)) out.push(p)
  }
}

/** Every input file under the given paths, in a stable order. */
export function inputFiles(paths: readonly string[]): string[] {
  const files: string[] = []
  for (const p of paths) {
    if (!existsSync(p)) throw usageError(`input ${p} does not exist`)
    if (statSync(p).isDirectory()) {
      const before = files.length
      walk(p, files)
      if (files.length === before) throw usageError(`input folder ${p} holds no .csv or .jsonl files`)
    } else if (isInput(p)) files.push(p)
    else throw usageError(`input ${p} is neither a .csv table nor a .jsonl file of measurements`)
  }
  return files
}

export function readInputFile(file: string, o: InputOptions): ReadResult {
  const label = displayPath(path.resolve(file))
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw inputError(`${label} cannot be read: ${(error as Error).message}`)
  }
  if (/\.jsonl$/i.test(file)) {
    if (text.trim() === '') throw inputError(`${label}: the file is empty (no measurement records)`)
    return readJsonl(text, sourceInfo(file, text, o.out, o.notes), {allowCpu: o.allowCpu})
  }
  const target = resolveTarget(o.hints, hintsFromPath(file), label)
  const {layout} = target
  const hasDtypeColumn = layout.columns.includes('dtype')
  const assumedDtype = !hasDtypeColumn && !target.stemDtype && layout.mfuColumns.length > 0 ? (o.dtype ?? layout.defaultDtype) : undefined
  const headerless = isDataLine(firstLineOf(text))
  const source = sourceInfo(file, text, o.out, {...o.notes, assumedDtype, columnsGiven: headerless ? o.columns : undefined})
  return readTableCsv(text, target, source, {columns: o.columns})
}

export function readInputs(paths: readonly string[], o: InputOptions): ReadResult[] {
  return inputFiles(paths).map((f) => readInputFile(f, o))
}
