/** A command's parsed flags as the library's options (camelCase), so that the command calls the library. */
import {camelCase, type OptionSpecs} from '../options/spec.js'

/**
 * The flags the user gave, in camelCase; a flag left at its default is left
 * out (the library applies the same default) unless the CLI's default
 * differs from the library's (e.g. it writes a file or shows progress).
 */
export function optionsFromFlags(specs: OptionSpecs, flags: Record<string, unknown>, metadata?: {flags: Record<string, {setFromDefault?: boolean}>}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.cliOnly || flags[name] === undefined) continue
    if (metadata?.flags[name]?.setFromDefault && spec.cliDefault === undefined) continue
    out[camelCase(name)] = flags[name]
  }
  return out
}
