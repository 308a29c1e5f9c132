/**
 * Progress of long work on stderr: nothing for the first second, then on a
 * terminal one line redrawn at most ten times a second, otherwise a line every
 * five seconds (logs stay readable). Stays off stdout, so --json output is
 * untouched.
 */
export interface StatusStream {
  write(text: string): unknown
  isTTY?: boolean
}

export interface StatusLine {
  update(text: string): void
  /** Clears a redrawn line. */
  done(): void
}

const SHOW_AFTER_MS = 1000
const TTY_EVERY_MS = 100
const LOG_EVERY_MS = 5000

export function statusLine(command: string, out: StatusStream, now: () => number = () => performance.now()): StatusLine {
  const start = now()
  let last = -Infinity
  let drawn = false
  return {
    update(text) {
      const t = now()
      if (t - start < SHOW_AFTER_MS || t - last < (out.isTTY ? TTY_EVERY_MS : LOG_EVERY_MS)) return
      last = t
      const line = `${command}: ${text} (${((t - start) / 1000).toFixed(0)} s)`
      if (out.isTTY) {
        out.write(`\r${line.slice(0, 100).padEnd(100)}`)
        drawn = true
      } else out.write(`${line}\n`)
    },
    done() {
      if (drawn) out.write(`\r${' '.repeat(100)}\r`)
      drawn = false
    },
  }
}
