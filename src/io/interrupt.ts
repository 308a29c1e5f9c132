/**
 * Ctrl-C, SIGTERM and SIGHUP while a command holds temp files or a write
 * lock: the registered clean-ups run (newest first), then the signal is raised
 * again with its default action, so the process ends as killed by it (a shell
 * sees 130 or 143). Node runs a signal handler only between two turns of the
 * event loop, so a synchronous write (a whole file set, an atomic rename)
 * always finishes before it runs. SIGKILL cannot be caught: what it leaves is
 * found and cleaned by the next run (docs/files.md).
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
type Signal = (typeof SIGNALS)[number]

const cleanups: (() => void)[] = []
let installed = false

function onSignal(signal: Signal): void {
  const ran = cleanups.length > 0
  while (cleanups.length > 0) {
    try {
      cleanups.pop()!()
    } catch {
      // Keep going: every other clean-up still has to run.
    }
  }
  if (ran) process.stderr.write(`\ninfersim: stopped by ${signal}; files being written were removed or completed\n`)
  for (const s of SIGNALS) process.removeListener(s, onSignal)
  installed = false
  process.kill(process.pid, signal)
}

/** Runs `cleanup` if the process is stopped by a signal before the returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  if (!installed) {
    for (const s of SIGNALS) process.on(s, onSignal)
    installed = true
  }
  cleanups.push(cleanup)
  return () => {
    const i = cleanups.lastIndexOf(cleanup)
    if (i >= 0) cleanups.splice(i, 1)
  }
}
