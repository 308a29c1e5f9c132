/**
 * Temp files beside their target (a rename within one folder is atomic), named
 * after the process that made them: `.<name>.infersim-<pid>.tmp`. One left by
 * a killed process is removed by the next write into the same folder, once
 * that process is gone.
 */
import {readdirSync, rmSync} from 'node:fs'
import {hostname} from 'node:os'
import path from 'node:path'

export function tempPathFor(file: string, pid = process.pid): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.infersim-${pid}.tmp`)
}

/** Whether a process with this id runs on this machine (one of another user's counts). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether a process recorded as (pid, host) may still be running: on another host, it cannot be told. */
export const ownerMayRun = (pid: number, host: string) => host !== hostname() || processAlive(pid)

// Ours, and those of earlier versions (.<name>.<pid>.<Date.now()>[.points].tmp).
const TEMP_NAMES = [/^\..+\.infersim-(\d+)\.tmp$/, /^\..+\.(\d+)\.\d{13}(?:\.points)?\.tmp$/]

const pidOfTemp = (name: string) => {
  for (const re of TEMP_NAMES) {
    const m = re.exec(name)
    if (m) return Number(m[1])
  }
  return undefined
}

/** Removes the temp files in `dir` whose process is gone; returns how many. */
export function removeStaleTemps(dir: string): number {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    const pid = pidOfTemp(name)
    if (pid === undefined || processAlive(pid)) continue
    rmSync(path.join(dir, name), {force: true})
    removed++
  }
  return removed
}

/** Removes a file if it is there; a path that cannot hold it (a missing or non-folder parent) is no error. */
export function removeFile(file: string): void {
  try {
    rmSync(file, {force: true})
  } catch {
    // Its folder is gone or is not a folder: there is nothing to remove.
  }
}
