/** Compiled JSON Schema validators (ajv), compiled on first use and cached. */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import type {ErrorObject, ValidateFunction} from 'ajv'
import {inputError} from '../errors.js'
import {bundled, PACKAGE_ROOT} from '../io/paths.js'
import {quoteText} from '../util/quote.js'
import {requireLazily} from '../util/require-lazily.js'

const COMPILED_DIR = path.join(PACKAGE_ROOT, 'dist', 'schemas', 'compiled')

export type SchemaName = 'gpu' | 'raw-measurement' | 'measurements-row' | 'fit' | 'baseline' | 'engine' | 'provenance' | 'launch-flags' | 'model-ids'

const cache = new Map<SchemaName, ValidateFunction>()
let ajvInstance: {compile(schema: object): ValidateFunction} | undefined

function ajv() {
  if (!ajvInstance) {
    // Loaded on first use: most runs validate nothing, and a start-up pays for every module it loads.
    const Ajv = (requireLazily('ajv') as typeof import('ajv')).default
    ajvInstance = new Ajv({allErrors: false, strict: false})
  }
  return ajvInstance!
}

export function schemaPath(name: SchemaName): string {
  return path.join(bundled.schemas, `${name}.schema.json`)
}

/** Standalone validators compiled at build time (scripts/compile-schemas.mjs), when running from dist/. */
function precompiled(name: SchemaName): ValidateFunction | undefined {
  const file = path.join(COMPILED_DIR, `${name}.cjs`)
  if (!existsSync(file)) return undefined
  const mod = requireLazily(file) as ValidateFunction & {default?: ValidateFunction}
  return mod.default ?? mod
}

export function validator(name: SchemaName): ValidateFunction {
  let v = cache.get(name)
  if (!v) {
    v = precompiled(name) ?? ajv().compile(JSON.parse(readFileSync(schemaPath(name), 'utf8')))
    cache.set(name, v)
  }
  return v
}

/** The schemas' text patterns, in words. */
const PATTERN_WORDS: Record<string, string> = {
  '^\\s*([1-9][0-9]*)?\\s*$': 'must be a whole number of 1 or more, or empty',
}

export function describeError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.replace(/^\//, '').replaceAll('/', '.') : '(top level)'
  const extra = e.keyword === 'additionalProperties' ? ` ${quoteText((e.params as {additionalProperty: string}).additionalProperty)}` : ''
  const allowed = e.keyword === 'enum' ? ` (${(e.params as {allowedValues: unknown[]}).allowedValues.join(', ')})` : ''
  const words = e.keyword === 'pattern' ? PATTERN_WORDS[(e.params as {pattern: string}).pattern] : undefined
  return `${where}: ${words ?? e.message}${extra}${allowed}`
}

/** Validates `data`; throws one message naming `label` and the first failing field. */
export function assertValid<T>(name: SchemaName, data: unknown, label: string): T {
  const v = validator(name)
  if (!v(data)) throw inputError(`${label}: ${describeError(v.errors![0])}`)
  return data as T
}
