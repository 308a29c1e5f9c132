/**
 * Worker-thread entry of a sweep (bundled to dist/sweep-worker.mjs): builds
 * its evaluation context once from workerData (a phase sweep or a serving
 * sweep), then runs tasks and posts their points back packed in a
 * transferable buffer.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {InfersimError} from '../errors.js'
import {evalContextFromPlain, type PlainTables, type SweepSetup} from './context.js'
import {packPoint, runTask, type SweepTask} from './tasks.js'
import {NumberPacker} from './packer.js'
import {servingContextFromPlain, type ServingSetup} from './serving/context.js'
import {packServingPoint, runServingTask, type ServingTask} from './serving/tasks.js'

export type WorkerInit = {kind: 'phase'; setup: SweepSetup; tables: PlainTables[]} | {kind: 'serving'; setup: ServingSetup; tables: PlainTables[]}

export type WorkerReply = {id: number; points: Float64Array} | {id: number; error: {message: string; kind?: 'usage' | 'input'}}

function taskHandler(init: WorkerInit): (task: unknown, packer: NumberPacker) => void {
  if (init.kind === 'serving') {
    const ctx = servingContextFromPlain(init.setup, init.tables)
    return (task, packer) => runServingTask(ctx, task as ServingTask, (p) => packServingPoint(packer, p))
  }
  const ctx = evalContextFromPlain(init.setup, init.tables)
  return (task, packer) => runTask(ctx, task as SweepTask, (p) => packPoint(packer, p))
}

const init = workerData as WorkerInit
const handle = taskHandler(init)
const packer = new NumberPacker()

parentPort!.on('message', ({id, task}: {id: number; task: unknown}) => {
  let reply: WorkerReply
  try {
    handle(task, packer)
    reply = {id, points: packer.take()}
  } catch (error) {
    packer.take()
    const kind = error instanceof InfersimError ? error.kind : undefined
    reply = {id, error: {message: (error as Error).message, kind}}
  }
  parentPort!.postMessage(reply, 'points' in reply ? [reply.points.buffer as ArrayBuffer] : [])
})
