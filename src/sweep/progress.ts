/**
 * A progress bar on stderr for work that runs longer than a second (a sweep,
 * `tables score`): nothing for short runs, redrawn at most ten times a second
 * on a terminal, one line every few seconds otherwise (logs stay readable).
 */
export interface ProgressSink {
  write(text: string): void
  isTTY: boolean
}

const SHOW_AFTER_MS = 1000
const TTY_EVERY_MS = 100
const LOG_EVERY_MS = 5000
const WIDTH = 30

export class ProgressBar {
  private total = 0
  private done = 0
  private readonly start: number
  private lastDraw = -Infinity
  private drawn = false

  constructor(
    private readonly out: ProgressSink | undefined,
    private readonly simulations: () => number,
    private readonly now: () => number = () => performance.now(),
    /** What the bar is of, and what its counter counts. */
    private readonly names: {label: string; unit: string} = {label: 'sweep', unit: 'simulations'},
  ) {
    this.start = now()
  }

  addWork(n: number): void {
    this.total += n
  }

  tick(n = 1): void {
    this.done += n
    this.draw(false)
  }

  private draw(force: boolean): void {
    if (!this.out) return
    const now = this.now()
    const elapsed = now - this.start
    if (!force && (elapsed < SHOW_AFTER_MS || now - this.lastDraw < (this.out.isTTY ? TTY_EVERY_MS : LOG_EVERY_MS))) return
    this.lastDraw = now
    const share = this.total > 0 ? Math.min(1, this.done / this.total) : 0
    const filled = Math.round(share * WIDTH)
    const sims = this.simulations()
    const rate = sims / (elapsed / 1000)
    const {label, unit} = this.names
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${sims.toLocaleString('en-US')} ${unit}  ${(elapsed / 1000).toFixed(1)} s  ${Math.round(rate).toLocaleString('en-US')}/s`
    this.out.write(this.out.isTTY ? `\r${line}` : `${line}\n`)
    this.drawn = true
  }

  /** Final state, then a new line (only if the bar was shown). */
  finish(): void {
    if (!this.drawn || !this.out) return
    this.draw(true)
    if (this.out.isTTY) this.out.write('\n')
  }
}
