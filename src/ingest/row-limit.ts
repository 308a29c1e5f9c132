/**
 * How many rows one ingest can hold: every row is kept until the tables are
 * merged and written, at a peak of about 2 KB each (bench/ingest-large.js:
 * 1,000,000 GEMM rows peak at 1.9 GB). Past the limit the run stops while it
 * reads, with a message saying what to do, instead of running out of memory
 * minutes later.
 */
import {getHeapStatistics} from 'node:v8'
import {inputError} from '../errors.js'

export const PEAK_BYTES_PER_ROW = 2000
const HEAP_SHARE = 0.85

export class RowLimit {
  private count = 0

  constructor(readonly max = Math.floor((getHeapStatistics().heap_size_limit * HEAP_SHARE) / PEAK_BYTES_PER_ROW)) {}

  /** Counts one row read from `label`; throws past the limit. */
  add(label: string): void {
    if (++this.count <= this.max) return
    const heapMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20)
    throw inputError(
      `${label}: the inputs hold more than ${this.max.toLocaleString('en-US')} rows, more than one ingest can merge in the ${heapMiB} MiB of memory Node gives it ` +
        `(about ${PEAK_BYTES_PER_ROW / 1000} KB per row); nothing was written. Ingest the inputs in parts, or give Node more memory: ` +
        `NODE_OPTIONS=--max-old-space-size=${Math.ceil((heapMiB * 2) / 1024) * 1024} infersim ingest ...`,
    )
  }
}
