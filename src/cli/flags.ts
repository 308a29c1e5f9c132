/** oclif flags built from the option specs (src/options/), and the flags other commands share. */
import {Flags, type Interfaces} from '@oclif/core'
import {usageError} from '../errors.js'
import {benchDataOption, deploymentOptions, gpuOptions, modelOption, profileOption, switchOption} from '../options/shared.js'
import {flagDefault, floatFromText, intFromText, type OptionSpec, type OptionSpecs} from '../options/spec.js'

/** A float flag (oclif has none). */
export const floatFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    const v = floatFromText(input)
    if (v === undefined) throw usageError(`--${opts.name} expects a number, got "${input}"`)
    return v
  },
})

/** A whole-number flag with a clear message. */
export const intFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    const v = intFromText(input)
    if (v === undefined) throw usageError(`--${opts.name} expects a whole number, got "${input}"`)
    return v
  },
})

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['type'] extends 'int' | 'float' ? number : S extends {multiple: true} ? string[] : string
type Absent<S extends OptionSpec> = S extends {default: unknown} ? never : S extends {cliDefault: unknown} ? never : undefined

/** The oclif flag type of an option spec: its value's type, undefined where it has no default. */
export type FlagOf<S extends OptionSpec> = S['type'] extends 'boolean' ? Interfaces.BooleanFlag<boolean> : Interfaces.OptionFlag<ValueOf<S> | Absent<S>>

/** The oclif flag of one option spec. */
export function oclifFlag<S extends OptionSpec>(spec: S): FlagOf<S> {
  const help = spec.defaultHelp
  const common = {
    summary: spec.summary,
    ...(spec.char ? {char: spec.char as 'a'} : {}),
    ...(spec.aliases ? {aliases: [...spec.aliases]} : {}),
    ...(spec.exclusive ? {exclusive: [...spec.exclusive]} : {}),
    ...(flagDefault(spec) === undefined ? {} : {default: flagDefault(spec) as never}),
    ...(help ? {defaultHelp: async () => help} : {}),
  }
  switch (spec.type) {
    case 'boolean':
      return Flags.boolean({...common, ...(spec.allowNo ? {allowNo: true} : {})}) as never
    case 'int':
      return intFlag(common) as never
    case 'float':
      return floatFlag(common) as never
    case 'string':
      return Flags.string({...common, ...(spec.options ? {options: [...spec.options]} : {}), ...(spec.multiple ? {multiple: true} : {})} as never) as never
  }
}

/** The oclif flags of a command's option specs. */
export function oclifFlags<T extends OptionSpecs>(specs: T): {[K in keyof T]: FlagOf<T[K]>} {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, oclifFlag(spec)])) as never
}

export const modelFlag = oclifFlag(modelOption)
export const gpuFlags = oclifFlags(gpuOptions)
export const profileFlag = oclifFlag(profileOption)
export const switchFlag = oclifFlag(switchOption)
export const benchDataFlag = oclifFlag(benchDataOption)
export const deploymentFlags = oclifFlags(deploymentOptions)
