/**
 * Runs sweep tasks: in this thread, or spread over worker threads (one per
 * core by default), each task handed to the next idle worker so that results
 * stream back as they finish.
 */
import path from 'node:path'
import {existsSync} from 'node:fs'
import {Worker} from 'node:worker_threads'
import {InfersimError, inputError} from '../errors.js'
import {findPackageRoot} from '../util/package-root.js'
import type {EvalContext} from './evaluate.js'
import {plainTables, type SweepSetup} from './context.js'
import {runTask, unpackPoints, type SweepTask} from './tasks.js'
import type {SweepPoint} from './types.js'
import type {WorkerInit, WorkerReply} from './worker.js'
import type {TableSet} from '../tables/types.js'

export interface TaskRunner {
  readonly workers: number
  /** Runs the tasks; `onPoint` sees every point, `onTaskDone` each finished task. */
  run(tasks: SweepTask[], onPoint: (p: SweepPoint) => void, onTaskDone: (task: SweepTask) => void): Promise<void>
  close(): Promise<void>
}

export function inProcessRunner(ctx: EvalContext): TaskRunner {
  return {
    workers: 0,
    async run(tasks, onPoint, onTaskDone) {
      for (const task of tasks) {
        runTask(ctx, task, onPoint)
        onTaskDone(task)
      }
    },
    async close() {},
  }
}

/** The bundled worker script (scripts/bundle.mjs builds it beside the CLI bundle). */
export function workerScript(): string {
  const file = path.join(findPackageRoot(import.meta.url), 'dist', 'sweep-worker.mjs')
  if (!existsSync(file)) throw inputError(`${file} is missing: build infersim (npm run build) or run the sweep with --workers 0`)
  return file
}

export function workerRunner(setup: SweepSetup, tables: TableSet[], count: number): TaskRunner {
  const init: WorkerInit = {setup, tables: tables.map(plainTables)}
  const script = workerScript()
  const workers = Array.from({length: count}, () => new Worker(script, {workerData: init}))
  return {
    workers: count,
    run(tasks, onPoint, onTaskDone) {
      return new Promise<void>((resolve, reject) => {
        let next = 0
        let running = 0
        let failed = false
        const cleanups: (() => void)[] = []
        const finish = (error?: Error) => {
          if (failed) return
          if (error) failed = true
          if (error || (next >= tasks.length && running === 0)) {
            for (const c of cleanups) c()
            if (error) reject(error)
            else resolve()
          }
        }
        const feed = (w: Worker) => {
          if (failed || next >= tasks.length) return
          const id = next++
          running++
          w.postMessage({id, task: tasks[id]})
        }
        for (const w of workers) {
          const onMessage = (reply: WorkerReply) => {
            running--
            if ('error' in reply) {
              finish(new InfersimError(reply.error.message, reply.error.kind ?? 'input'))
              return
            }
            unpackPoints(reply.points, onPoint)
            onTaskDone(tasks[reply.id])
            feed(w)
            finish()
          }
          const onError = (error: Error) => finish(error)
          w.on('message', onMessage)
          w.on('error', onError)
          cleanups.push(() => {
            w.off('message', onMessage)
            w.off('error', onError)
          })
        }
        if (tasks.length === 0) return finish()
        for (const w of workers) feed(w)
      })
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}
