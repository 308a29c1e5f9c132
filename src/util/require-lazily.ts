import {createRequire} from 'node:module'

let requireHere: NodeJS.Require | undefined

/**
 * require() for what only some runs need (a package, a compiled schema, a
 * builtin outside Node's start-up snapshot), made on first use: every start
 * pays for each module its bundle loads, so those load when asked for.
 *
 * @example (requireLazily('csv-parse/sync') as typeof import('csv-parse/sync')).parse(text)
 */
export const requireLazily = (id: string): unknown => (requireHere ??= createRequire(import.meta.url))(id)
