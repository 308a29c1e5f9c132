/**
 * Which measurement records ingest takes: the kernels of the raw-measurement
 * schema. The simulator reads all-gather and reduce-scatter tables
 * (src/cost/collectives.ts) and the benchmark measures them, but until ingest
 * lists them (schema kernel enum, KernelKind in src/ingest/record.ts,
 * FOLDER_OF in src/ingest/readers/record-row.ts) their records are held
 * back; the tests check that no other kernel is.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {ROOT} from '../helpers/cli.js'

const schema = JSON.parse(readFileSync(path.join(ROOT, 'src', 'schemas', 'raw-measurement.schema.json'), 'utf8'))
const KINDS: readonly string[] = schema.properties.kernel.enum

/** Measured collectives ingest may not know yet. */
export const AWAITING_INGEST = ['allgather', 'reduce_scatter']

export const ingestKnows = (kernel: string) => KINDS.includes(kernel)
