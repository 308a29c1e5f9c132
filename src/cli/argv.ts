/**
 * A strict reader of a command line against option specs, for the fast
 * start: it reads only the plain forms (--name value, --name=value, -c value,
 * --flag, --no-flag, --json) of flags the specs know, each at most once
 * (repeatable ones excepted), with values it can convert. Anything else
 * (--help, an unknown flag, a bad value, a positional argument, --) gives
 * undefined, and the command goes to oclif, which answers it as it always has.
 */
import {floatFromText, intFromText, type OptionSpec, type OptionSpecs} from '../options/spec.js'

export interface ReadArgv {
  /** Values of the flags given, by flag name. */
  flags: Record<string, unknown>
  json: boolean
}

function convert(spec: OptionSpec, text: string): unknown {
  if (text === '' || text.startsWith('-')) return undefined
  if (spec.type === 'int') return intFromText(text)
  if (spec.type === 'float') return floatFromText(text)
  return spec.options && !spec.options.includes(text) ? undefined : text
}

export function readArgv(specs: OptionSpecs, argv: readonly string[]): ReadArgv | undefined {
  const byName = new Map<string, string>()
  const byChar = new Map<string, string>()
  for (const [name, spec] of Object.entries(specs)) {
    byName.set(name, name)
    for (const alias of spec.aliases ?? []) byName.set(alias, name)
    if (spec.char) byChar.set(spec.char, name)
  }
  const flags: Record<string, unknown> = {}
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--json') {
      if (json) return undefined
      json = true
      continue
    }
    let name: string | undefined
    let inline: string | undefined
    let negated = false
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
      inline = eq < 0 ? undefined : arg.slice(eq + 1)
      name = byName.get(key)
      if (!name && key.startsWith('no-') && specs[key.slice(3)]?.allowNo) [name, negated] = [key.slice(3), true]
    } else if (/^-[A-Za-z]$/.test(arg)) name = byChar.get(arg[1])
    if (!name) return undefined
    const spec = specs[name]
    if (name in flags && !spec.multiple) return undefined
    let value: unknown
    if (spec.type === 'boolean') {
      if (inline !== undefined) return undefined
      value = !negated
    } else {
      if (negated) return undefined
      const text = inline ?? argv[++i]
      value = text === undefined ? undefined : convert(spec, text)
      if (value === undefined) return undefined
    }
    flags[name] = spec.multiple ? [...((flags[name] as unknown[]) ?? []), value] : value
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (flags[name] === true && spec.exclusive?.some((other) => flags[other] === true)) return undefined
  }
  return {flags, json}
}
