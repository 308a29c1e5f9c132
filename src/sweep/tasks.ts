/** Units of sweep work, run in-process or in a worker thread, and the compact form their points travel in. */
import {evaluateLayout, evaluateValues, type EvalContext} from './evaluate.js'
import type {Layout, SweepPhase, SweepPoint} from './types.js'

export type SweepTask =
  | {kind: 'layouts'; items: {index: number; layout: Layout}[]}
  | {kind: 'values'; items: {index: number; layout: Layout; phase: SweepPhase; values: number[]}[]}

export function runTask(ctx: EvalContext, task: SweepTask, emit: (p: SweepPoint) => void): void {
  if (task.kind === 'layouts') for (const {index, layout} of task.items) evaluateLayout(ctx, index, layout, emit)
  else for (const {index, layout, phase, values} of task.items) evaluateValues(ctx, index, layout, phase, values, emit)
}

/** How many layouts or refinement requests a task carries. */
export const taskSize = (task: SweepTask) => task.items.length

const FIELDS = 5

/** Points packed five numbers each (layout, phase, value, latency, tgs) for a transferable buffer. */
export class PointPacker {
  private buf = new Float64Array(FIELDS * 256)
  private n = 0

  push(p: SweepPoint): void {
    if ((this.n + 1) * FIELDS > this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2)
      bigger.set(this.buf)
      this.buf = bigger
    }
    const at = this.n * FIELDS
    this.buf[at] = p.layout
    this.buf[at + 1] = p.phase === 'prefill' ? 0 : 1
    this.buf[at + 2] = p.value
    this.buf[at + 3] = p.latencyMs
    this.buf[at + 4] = p.tgs
    this.n++
  }

  take(): Float64Array {
    const out = this.buf.slice(0, this.n * FIELDS)
    this.n = 0
    return out
  }
}

export function unpackPoints(buf: Float64Array, each: (p: SweepPoint) => void): void {
  for (let at = 0; at < buf.length; at += FIELDS) {
    each({layout: buf[at], phase: buf[at + 1] === 0 ? 'prefill' : 'decode', value: buf[at + 2], latencyMs: buf[at + 3], tgs: buf[at + 4]})
  }
}
