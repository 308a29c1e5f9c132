/**
 * An unknown command: one message (with the nearest command name, if one is
 * close) and exit 2, as JSON under --json like every command's errors.
 * Wired as oclif's command_not_found hook (package.json oclif.hooks).
 */
import type {Hook, Interfaces} from '@oclif/core'
import {editDistance as distance} from '../util/edit-distance.js'

/** The commands a user can type, as typed ("tables score"). */
export const knownCommands = (config: Interfaces.Config) => config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))

/** "unknown command", the nearest command when one is close, and the list. */
export function unknownCommandMessage(id: string, config: Interfaces.Config): string {
  const asked = id.replaceAll(':', ' ')
  const known = knownCommands(config)
  const nearest = [...known].sort((x, y) => distance(asked, x) - distance(asked, y))[0]
  const hint = nearest && distance(asked, nearest) <= Math.max(2, Math.floor(asked.length / 3)) ? ` (did you mean "${nearest}"?)` : ''
  return `unknown command "${asked}"${hint}. Commands: ${known.join(', ')}; \`${config.bin} help COMMAND\` shows one`
}

export const COMMAND_NOT_FOUND: Hook<'command_not_found'> = async function (opts) {
  const message = unknownCommandMessage(opts.id, opts.config)
  if (opts.argv?.includes('--json')) process.stdout.write(`${JSON.stringify({error: {message, exitCode: 2}}, null, 2)}\n`)
  else process.stderr.write(`Error: ${message}\n`)
  this.exit(2)
}
