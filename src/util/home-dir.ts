import {requireLazily} from './require-lazily.js'

/**
 * The user's home folder, as os.homedir() answers: $HOME where it is set
 * (as Node itself reads it on POSIX), else the system's answer. Node's os
 * module is loaded only then: every start would otherwise pay for loading it
 * (about 0.4 ms of a start-up that has a few milliseconds to spend).
 *
 * @example homeDir() // '/home/ada'
 */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform !== 'win32' && env.HOME) return env.HOME
  return (requireLazily('node:os') as typeof import('node:os')).homedir()
}
