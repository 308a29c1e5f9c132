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
import type {WorkerInit, WorkerReply} from './worker.js'

export interface TaskRunner<T, P> {
  readonly workers: number
  /** Runs the tasks; `onPoint` sees every point, `onTaskDone` each finished task. */
  run(tasks: T[], onPoint: (p: P) => void, onTaskDone: (task: T) => void): Promise<void>
  close(): Promise<void>
}

export function inProcessRunner<T, P>(runTask: (task: T, emit: (p: P) => void) => void): TaskRunner<T, P> {
  return {
    workers: 0,
    async run(tasks, onPoint, onTaskDone) {
      for (const task of tasks) {
        runTask(task, onPoint)
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

/**
 * Each worker starts on its own contiguous share of the tasks (neighbouring
 * layouts share table lookups, and each worker has its own lookup memo), and
 * takes from the back of the fullest other share once its own is done.
 */
export function affinityQueues(tasks: number, workers: number): number[][] {
  const queues: number[][] = Array.from({length: workers}, () => [])
  for (let i = 0; i < tasks; i++) queues[Math.floor((i * workers) / tasks)].push(i)
  return queues
}

export function nextTask(queues: number[][], worker: number): number | undefined {
  const own = queues[worker]
  if (own.length > 0) return own.shift()
  let fullest: number[] | undefined
  for (const q of queues) if (q.length > 0 && (!fullest || q.length > fullest.length)) fullest = q
  return fullest?.pop()
}

/** A worker that failed to start or crashed: one clear message instead of an unhandled error event. */
function workerFailure(error: Error): InfersimError {
  return inputError(`a sweep worker thread failed: ${error.message} (run with --workers 0 to sweep in this thread)`)
}

/** Workers that each build their context from `init` once; their points come back packed and `unpack` reads them. */
export function workerRunner<T, P>(init: WorkerInit, count: number, unpack: (buf: Float64Array, each: (p: P) => void) => void): TaskRunner<T, P> {
  const script = workerScript()
  // Flags that only make sense for the main script (e.g. --input-type, --eval) must not reach the workers.
  const execArgv = process.execArgv.filter((a) => !/^(--input-type|--eval|-e$|--print|-p$)/.test(a))
  const workers = Array.from({length: count}, () => new Worker(script, {workerData: init, execArgv}))
  let failure: Error | undefined
  let current: {onReply: (w: Worker, reply: WorkerReply) => void; fail: (e: Error) => void} | undefined
  for (const w of workers) {
    w.on('message', (reply: WorkerReply) => current?.onReply(w, reply))
    w.on('error', (error: Error) => {
      failure ??= workerFailure(error)
      current?.fail(failure)
    })
  }
  return {
    workers: count,
    run(tasks, onPoint, onTaskDone) {
      return new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure)
        const queues = affinityQueues(tasks.length, workers.length)
        let left = tasks.length
        let running = 0
        const feed = (w: Worker) => {
          const id = nextTask(queues, workers.indexOf(w))
          if (id === undefined) return
          left--
          running++
          w.postMessage({id, task: tasks[id]})
        }
        const settle = (error?: Error) => {
          current = undefined
          if (error) reject(error)
          else resolve()
        }
        current = {
          onReply(w, reply) {
            running--
            if ('error' in reply) return settle(new InfersimError(reply.error.message, reply.error.kind ?? 'input'))
            try {
              unpack(reply.points, onPoint)
              onTaskDone(tasks[reply.id])
            } catch (error) {
              return settle(error as Error)
            }
            feed(w)
            if (left === 0 && running === 0) settle()
          },
          fail: (error) => settle(error),
        }
        if (tasks.length === 0) return settle()
        for (const w of workers) feed(w)
      })
    },
    async close() {
      current = undefined
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}
