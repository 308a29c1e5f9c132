/**
 * Worker-thread entry of a sweep (bundled to dist/sweep-worker.mjs): builds
 * its evaluation context once from workerData, then runs tasks and posts
 * their points back packed in a transferable buffer.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {InfersimError} from '../errors.js'
import {evalContextFromPlain, type PlainTables, type SweepSetup} from './context.js'
import {PointPacker, runTask, type SweepTask} from './tasks.js'

export interface WorkerInit {
  setup: SweepSetup
  tables: PlainTables[]
}

export type WorkerReply = {id: number; points: Float64Array} | {id: number; error: {message: string; kind?: 'usage' | 'input'}}

const init = workerData as WorkerInit
const ctx = evalContextFromPlain(init.setup, init.tables)
const packer = new PointPacker()

parentPort!.on('message', ({id, task}: {id: number; task: SweepTask}) => {
  let reply: WorkerReply
  try {
    runTask(ctx, task, (p) => packer.push(p))
    reply = {id, points: packer.take()}
  } catch (error) {
    packer.take()
    const kind = error instanceof InfersimError ? error.kind : undefined
    reply = {id, error: {message: (error as Error).message, kind}}
  }
  parentPort!.postMessage(reply, 'points' in reply ? [reply.points.buffer as ArrayBuffer] : [])
})
