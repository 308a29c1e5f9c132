/**
 * The options of each command, declared once: the CLI builds its flags from
 * them (src/cli/flags.ts, and the fast start's parser, src/cli/argv.ts), and the
 * library checks what a caller passes against them. A library option is the
 * flag's name in camelCase (--world-size: worldSize). No oclif here: the
 * fast start loads this without it.
 */
import {usageError} from '../errors.js'
import {editDistance} from '../util/edit-distance.js'

export type OptionType = 'int' | 'float' | 'string' | 'boolean'

export interface OptionSpec {
  type: OptionType
  summary: string
  /** Default of the flag and of the library option. */
  default?: number | string | boolean | readonly string[]
  /** Default of the flag only, where the library does less unasked (writes no file, prints no progress). */
  cliDefault?: number | string | boolean
  /** What --help shows as the default instead of the value. */
  defaultHelp?: string
  /** Allowed values. */
  options?: readonly string[]
  char?: string
  aliases?: readonly string[]
  /** Repeatable; the library takes an array (or one value). */
  multiple?: boolean
  /** A boolean that also takes --no-<name>. */
  allowNo?: boolean
  /** Flags that cannot be given with this one. */
  exclusive?: readonly string[]
  /** Only the CLI has it (how text is printed). */
  cliOnly?: boolean
  /** A comma list: the library also takes an array. */
  list?: 'int' | 'string'
  /** The library also takes a number (e.g. workers: 0 as well as 'auto'). */
  number?: boolean
}

/** A command's options by flag name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** --world-size -> worldSize. */
export const camelCase = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** worldSize -> world-size. */
export const kebabCase = (option: string) => option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** A whole number typed on the command line, or undefined. */
export function intFromText(text: string): number | undefined {
  const v = Number(text)
  return Number.isInteger(v) ? v : undefined
}

/** A number typed on the command line, or undefined. */
export function floatFromText(text: string): number | undefined {
  const v = Number(text)
  return text.trim() === '' || !Number.isFinite(v) ? undefined : v
}

/** The default a library call gets. */
export const libraryDefault = (spec: OptionSpec) => spec.default

/** The default a flag gets. */
export const flagDefault = (spec: OptionSpec) => spec.cliDefault ?? spec.default

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S
type Scalar<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'int' | 'float'
    ? number
    : S extends {options: readonly (infer O)[]}
      ? O
      : S extends {list: 'int'}
        ? string | number[]
        : S extends {list: 'string'}
          ? string | string[]
          : S extends {number: true}
            ? string | number
            : string

/** The library's options of a command: each flag in camelCase, all optional, typed from its spec. */
export type OptionsOf<T extends OptionSpecs> = {
  -readonly [K in keyof T as T[K] extends {cliOnly: true} ? never : Camel<K & string>]?: T[K] extends {multiple: true} ? Scalar<T[K]> | Scalar<T[K]>[] : Scalar<T[K]>
}

function checkValue(name: string, spec: OptionSpec, value: unknown): unknown {
  const got = typeof value === 'string' ? `"${value}"` : Array.isArray(value) ? `[${value.join(', ')}]` : String(value)
  if (spec.list && Array.isArray(value)) {
    const bad = value.find((v) => (spec.list === 'int' ? !Number.isInteger(v) : typeof v !== 'string'))
    if (bad !== undefined) throw usageError(`option ${name} expects ${spec.list === 'int' ? 'whole numbers' : 'strings'}, got ${typeof bad === 'string' ? `"${bad}"` : String(bad)}`)
    return value.join(',')
  }
  if (spec.number && typeof value === 'number') return String(value)
  switch (spec.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw usageError(`option ${name} expects true or false, got ${got}`)
      return value
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw usageError(`option ${name} expects a whole number, got ${got}`)
      return value
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw usageError(`option ${name} expects a number, got ${got}`)
      return value
    case 'string':
      if (typeof value !== 'string') throw usageError(`option ${name} expects a string, got ${got}`)
      if (spec.options && !spec.options.includes(value)) throw usageError(`option ${name} expects one of ${spec.options.join(', ')}, got ${got}`)
      return value
  }
}

/** The known name a misspelt one most likely meant, for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Math.max(2, Math.floor(name.length / 4)) + 1
  for (const k of known) {
    const d = editDistance(name, k)
    if (d < bestD) [best, bestD] = [k, d]
  }
  return best
}

/**
 * A library caller's options checked against a command's specs and
 * completed with the defaults: an unknown option, a value of the wrong type
 * or outside its allowed values is a usage error naming the option.
 * `objects` names options that may also be objects (a model config, a GPU
 * spec, a table set), passed through as they are.
 */
export function resolveOptions(command: string, specs: OptionSpecs, given: object, objects: readonly string[] = []): Record<string, unknown> {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw usageError(`${command}: options must be an object`)
  const byName = new Map(Object.entries(specs).filter(([, s]) => !s.cliOnly).map(([flag, s]) => [camelCase(flag), s]))
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(given)) {
    const spec = byName.get(name)
    if (!spec) {
      const hint = closest(name, [...byName.keys()])
      throw usageError(`${command}: unknown option "${name}"${hint ? ` (did you mean ${hint}?)` : ''}; options: ${[...byName.keys()].join(', ')}`)
    }
    if (value === undefined) continue
    const one = (v: unknown) => (objects.includes(name) && typeof v === 'object' && v !== null && !Array.isArray(v) ? v : checkValue(name, spec, v))
    out[name] = spec.multiple ? (Array.isArray(value) ? value : [value]).map(one) : one(value)
  }
  for (const [name, spec] of byName) {
    if (out[name] === undefined && libraryDefault(spec) !== undefined) out[name] = libraryDefault(spec)
  }
  for (const [name, spec] of byName) {
    for (const other of spec.exclusive ?? []) {
      if (out[name] === true && out[camelCase(other)] === true) throw usageError(`${command}: options ${name} and ${camelCase(other)} cannot both be set`)
    }
  }
  return out
}
