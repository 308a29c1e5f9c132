/** Units of sweep work, run in-process or in a worker thread, and the compact form their points travel in. */
import {evaluateLayout, evaluateValues, type EvalContext} from './evaluate.js'
import type {NumberPacker} from './packer.js'
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

/** A phase point as five numbers (layout, phase, value, latency, tgs) for a transferable buffer. */
export function packPoint(packer: NumberPacker, p: SweepPoint): void {
  packer.push5(p.layout, p.phase === 'prefill' ? 0 : 1, p.value, p.latencyMs, p.tgs)
}

export function unpackPoints(buf: Float64Array, each: (p: SweepPoint) => void): void {
  for (let at = 0; at < buf.length; at += 5) {
    each({layout: buf[at], phase: buf[at + 1] === 0 ? 'prefill' : 'decode', value: buf[at + 2], latencyMs: buf[at + 3], tgs: buf[at + 4]})
  }
}
