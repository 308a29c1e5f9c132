/** Units of serving-sweep work (chunks of serving units), run in-process or in a worker thread, and their points' compact form. */
import type {NumberPacker} from '../packer.js'
import {evaluateServingLayout, type ServingEvalContext} from './evaluate.js'
import type {ServingLayout, ServingPoint} from './types.js'

export interface ServingTask {
  items: {index: number; layout: ServingLayout}[]
}

export function runServingTask(ctx: ServingEvalContext, task: ServingTask, emit: (p: ServingPoint) => void): void {
  for (const {index, layout} of task.items) evaluateServingLayout(ctx, index, layout, emit)
}

const FIELDS = 7

/** A serving point as seven numbers: layout, budget, concurrency, TTFT, TPOT, tgs, requests/s of a rank. */
export function packServingPoint(packer: NumberPacker, p: ServingPoint): void {
  packer.push([p.layout, p.budget, p.concurrency, p.ttftMs, p.tpotMs, p.tgs, p.rankRps])
}

export function unpackServingPoints(buf: Float64Array, each: (p: ServingPoint) => void): void {
  for (let at = 0; at < buf.length; at += FIELDS) {
    each({layout: buf[at], budget: buf[at + 1], concurrency: buf[at + 2], ttftMs: buf[at + 3], tpotMs: buf[at + 4], tgs: buf[at + 5], rankRps: buf[at + 6]})
  }
}
