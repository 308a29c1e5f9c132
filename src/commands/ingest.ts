import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {gpuFlags} from '../cli/flags.js'
import {inputError, usageError} from '../errors.js'
import {CONFLICT_POLICIES, type ConflictPolicy} from '../ingest/merge.js'
import {DTYPES} from '../ingest/names.js'
import {ingest, type IngestSummary} from '../ingest/pipeline.js'
import {readInputFile, readInputs, type InputOptions} from '../ingest/readers/inputs.js'
import {captureRun, commandAfterDashes, rawCapturePath} from '../ingest/readers/run.js'
import {RowLimit} from '../ingest/row-limit.js'
import {KERNEL_NAMES} from '../ingest/target.js'
import {loadGpus} from '../io/gpus.js'
import {bundled, displayPath} from '../io/paths.js'
import {statusLine} from '../cli/status-line.js'
import {renderIngest} from '../report/ingest.js'
import {renderAicIngest} from '../report/aiconfigurator-ingest.js'
import type {AicIngestSummary} from '../ingest/aiconfigurator/run.js'

const percent = (part: number, whole: number) => `${whole > 0 ? Math.floor((100 * part) / whole) : 100}%`
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

export default class Ingest extends BaseCommand {
  static summary = 'Turn kernel benchmark output (CSV tables, JSON Lines) into validated MFU tables under bench_data/.'
  static description = `Reads CSV tables as the InferSim benchmark scripts write them (every bench_data layout: gemm, mha/mla decode+prefill, grouped_gemm, gdn, dsa), JSON Lines measurement records (schema: src/schemas/raw-measurement.schema.json), or the JSONL stdout of a benchmark run with --run.
Which table a CSV belongs to comes from its path when it follows the layout (<kernel>/<phase>/<gpu>/<shape>.csv, gemm/<gpu>/data.csv) or from --kernel --phase --gpu --shape.
Every row is checked: numbers finite, latency > 0, dtypes known, MFU <= 1; MFU is recomputed from latency, the kernel's FLOPs and the GPU's peak for the dtype, and a stated MFU more than 5% off is reported (--strict: rejected); stated MFU 0.0 is replaced by the recomputed value. Duplicate keys with different values are an error unless --on-conflict says what to do. A latency that drops by more than 20% while the work grows is reported as an outlier. GEMM rows faster than their weights stream at the GPU's datasheet bandwidth (weights the benchmark kept in cache) are counted in one warning per table; a simulation times such a GEMM by the stream.
Valid rows are merged into the tables under --out, sorted by their grid keys, with a provenance sidecar per table (<table>.provenance.json: source file and its SHA-256, license, when ingested, stated vs recomputed MFU). All tables are written together, all or nothing even when the run is killed: an interrupted write is finished or undone by the next ingest into the same folder (docs/files.md); when any row is invalid nothing is written. Inputs are streamed, and long runs show their progress on stderr.`

  static examples = [
    {description: 'Rebuild the bundled tables from the InferSim reference CSVs kept in bench_data/raw', command: 'npm run data:rebuild'},
    {description: 'One reference table without a header row', command: '<%= config.bin %> ingest bench_data/raw/infersim-reference/mha/decode/h20/64-2-128.csv --columns dtype,kv_dtype,batch_size,kv_len,latency_us,mfu'},
    {description: 'A CSV whose path does not follow the layout', command: '<%= config.bin %> ingest results.csv --kernel mha --phase decode --gpu H800 --shape 32-4-128'},
    {description: 'Measurement records from our kernel_benchmark scripts, checked only', command: '<%= config.bin %> ingest gemm_h20.jsonl --dry-run --json'},
    {
      description: 'Measure the kernels a model and deployment look up on every GPU of this node, and ingest them',
      command: '<%= config.bin %> ingest --run -- python3 kernel_benchmark/run.py --model qwen3-8b --gpus 8 --tp 2 --world-size 8',
    },
    {description: 'A CPU smoke run of the same chain (not a measurement: --allow-cpu, into a scratch folder)', command: '<%= config.bin %> ingest --run --allow-cpu --out /tmp/bench -- python3 kernel_benchmark/run.py --model qwen3-8b --gpu H20 --device cpu --limit 5'},
    {description: "Import AIConfigurator's measured kernel database (every GPU under systems/)", command: '<%= config.bin %> ingest --format aiconfigurator path/to/aiconfigurator/systems'},
  ]

  static strict = false
  static usage = ['ingest [FILE|FOLDER ...] [FLAGS]', 'ingest --run [FLAGS] -- COMMAND [ARGS ...]']

  static flags = {
    format: Flags.string({
      summary: 'Input format: kernel tables (CSV, JSON Lines) or an AIConfigurator kernel database (a systems/ folder or one of its .parquet tables).',
      options: ['tables', 'aiconfigurator'],
      default: 'tables',
    }),
    'kernel-source': Flags.string({summary: 'aiconfigurator: keep only this kernel implementation where a table has it (default: the fastest per shape and dtype).'}),
    'moe-distribution': Flags.string({summary: 'aiconfigurator: MoE routing distribution to import.', options: ['balanced', 'power_law_1.01', 'power_law_1.2'], default: 'balanced'}),
    'prefill-tokens': Flags.integer({summary: 'aiconfigurator: prefill rows use the measured batch nearest this many tokens / seq_len (the simulator\'s max prefill tokens).', default: 4096, min: 1}),
    out: Flags.string({summary: 'bench_data folder to merge into.', default: bundled.benchData, defaultHelp: async () => 'bench_data/ of this package'}),
    kernel: Flags.string({summary: 'Kernel of CSV inputs whose path does not say it.', options: Object.keys(KERNEL_NAMES)}),
    phase: Flags.string({summary: 'Phase of CSV inputs (attention, grouped GEMM, GDN, DSA tables).', options: ['decode', 'prefill']}),
    gpu: Flags.string({summary: 'GPU of CSV inputs whose path does not say it (written as its lower-cased folder).'}),
    shape: Flags.string({summary: 'Table name (shape key) of CSV inputs, e.g. 64-2-128 for heads-kv_heads-head_dim.'}),
    columns: Flags.string({summary: 'Comma-separated column names for CSV files that have no header row (files with a header use theirs).'}),
    dtype: Flags.string({summary: 'Dtype of tables without a dtype column (GEMM data.csv, grouped GEMM) for the MFU check; default fp8, as the reference DeepGEMM tables.', options: [...DTYPES]}),
    'on-conflict': Flags.string({summary: 'Same key, different values: error (default), keep the existing row, replace it, or take the mean.', options: [...CONFLICT_POLICIES], default: 'error'}),
    fresh: Flags.boolean({summary: 'Replace the tables this run writes instead of merging into them (other tables are left alone).', default: false}),
    strict: Flags.boolean({summary: 'Reject rows whose stated MFU is more than 5% off the recomputed one.', default: false}),
    'skip-invalid': Flags.boolean({summary: 'Write the valid rows and report the rejected ones, instead of writing nothing.', default: false}),
    'dry-run': Flags.boolean({summary: 'Validate and report; write no table (a --run still saves its raw output).', default: false}),
    run: Flags.boolean({summary: 'Run the command after "--" (passed to it word for word) and ingest the JSONL it prints; its raw output is saved under <out>/raw/ first.', default: false}),
    'allow-cpu': Flags.boolean({summary: 'Accept smoke-run records timed on the CPU (wall clock) into GPU tables; provenance says so. Without it they are refused.', default: false}),
    license: Flags.string({summary: 'License of the inputs, recorded in provenance (e.g. Apache-2.0).'}),
    origin: Flags.string({summary: 'Who measured the inputs and how, recorded in provenance.'}),
    library: Flags.string({summary: 'Kernel library of CSV inputs (flashinfer, deepgemm, ...), recorded in provenance.'}),
    'library-version': Flags.string({summary: 'Version of that library.'}),
    'gpu-spec': gpuFlags['gpu-spec'],
  }

  async run(): Promise<(IngestSummary & {raw?: string}) | AicIngestSummary> {
    const {argv, flags} = await this.parse(Ingest)
    if (flags.format === 'aiconfigurator') {
      const {ingestAiconfigurator, progressBar} = await import('../ingest/aiconfigurator/run.js')
      const summary = await ingestAiconfigurator(argv as string[], {
        out: flags.out,
        gpus: loadGpus(flags['gpu-spec']),
        gpu: flags.gpu,
        kernelSource: flags['kernel-source'],
        moeDistribution: flags['moe-distribution'],
        prefillTokens: flags['prefill-tokens'],
        dryRun: flags['dry-run'],
        skipInvalid: flags['skip-invalid'],
        progress: progressBar((t) => process.stderr.write(t), Boolean(process.stderr.isTTY)),
      })
      if (!this.jsonEnabled()) this.log(renderAicIngest(summary))
      return summary
    }
    const args = argv as string[]
    const options: InputOptions = {
      out: flags.out,
      hints: {kernel: flags.kernel, phase: flags.phase, gpu: flags.gpu, shape: flags.shape},
      columns: flags.columns?.split(',').map((c) => c.trim()),
      dtype: flags.dtype,
      notes: {license: flags.license, origin: flags.origin, library: flags.library, libraryVersion: flags['library-version']},
      allowCpu: flags['allow-cpu'],
    }
    const gpus = loadGpus(flags['gpu-spec'])
    const status = statusLine('ingest', process.stderr)
    let raw: string | undefined
    let reads
    if (flags.run) {
      raw = rawCapturePath(flags.out)
      // Progress goes to stderr even with --json (oclif mutes logToStderr then); stdout stays one JSON document.
      const command = commandAfterDashes(this.argv) ?? args
      const capture = await captureRun(command, raw, (m) => process.stderr.write(`ingest: ${m}\n`))
      if (capture.exitCode !== 0) {
        throw inputError(
          `the benchmark exited with code ${capture.exitCode} after ${capture.lines} lines of output; nothing was ingested. ` +
            `Its output is saved in ${displayPath(raw)} (ingest it with: infersim ingest ${displayPath(raw)})`,
        )
      }
      reads = [await readInputFile(raw, {...options, rowLimit: new RowLimit(), notes: {...options.notes, command: command.join(' ')}})]
    } else {
      if (args.length === 0) throw usageError('give the CSV/JSONL files or folders to ingest, or --run -- COMMAND')
      reads = await readInputs(args, options, (bytes, total) => status.update(`reading ${percent(bytes, total)} of ${megabytes(total)}`))
    }
    const summary = ingest(reads, {
      out: flags.out,
      gpus,
      onConflict: flags['on-conflict'] as ConflictPolicy,
      strict: flags.strict,
      dryRun: flags['dry-run'],
      skipInvalid: flags['skip-invalid'],
      fresh: flags.fresh,
      progress: (stage) => status.update(stage),
    })
    status.done()
    if (!this.jsonEnabled()) this.log(renderIngest(summary, raw && displayPath(raw)))
    return raw ? {...summary, raw: displayPath(raw)} : summary
  }
}
