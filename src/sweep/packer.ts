/** Numbers appended to a growing Float64Array, taken out as one transferable buffer (points from a worker thread). */
export class NumberPacker {
  private buf = new Float64Array(2048)
  private n = 0

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return
    const bigger = new Float64Array(Math.max(this.buf.length * 2, this.n + k))
    bigger.set(this.buf)
    this.buf = bigger
  }

  push5(a: number, b: number, c: number, d: number, e: number): void {
    this.room(5)
    const v = this.buf
    const at = this.n
    v[at] = a
    v[at + 1] = b
    v[at + 2] = c
    v[at + 3] = d
    v[at + 4] = e
    this.n += 5
  }

  push(values: readonly number[]): void {
    this.room(values.length)
    this.buf.set(values, this.n)
    this.n += values.length
  }

  take(): Float64Array {
    const out = this.buf.slice(0, this.n)
    this.n = 0
    return out
  }
}
