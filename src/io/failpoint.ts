/**
 * Named moments in a write where the kill test (test/io/kill.test.ts) stops
 * the process: INFERSIM_KILL_AT=<name>[:<n>] sends INFERSIM_KILL_SIGNAL
 * (default SIGKILL) to this process the n-th time (default 1st) the write
 * passes <name>. Without the variable this is one comparison.
 */
const spec = /^(.+?)(?::(\d+))?$/.exec(process.env.INFERSIM_KILL_AT ?? '')
const killAt = spec?.[1]
const nth = Number(spec?.[2] ?? 1)
let passes = 0

export function failpoint(name: string): void {
  if (name !== killAt || ++passes !== nth) return
  process.kill(process.pid, (process.env.INFERSIM_KILL_SIGNAL ?? 'SIGKILL') as NodeJS.Signals)
}
