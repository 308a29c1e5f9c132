import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {deploymentFromFlags} from '../../cli/deployment.js'
import {benchDataFlag, deploymentFlags, gpuFlags, profileFlag} from '../../cli/flags.js'
import {findGpu, gpuTableKey} from '../../hardware/gpu.js'
import {tableInventory, type TableInventory} from '../../ingest/inventory.js'
import {loadGpus} from '../../io/gpus.js'
import {loadSimInputs} from '../../io/inputs.js'
import {bundled} from '../../io/paths.js'
import type {ProfileName} from '../../profile.js'
import {lookupsOf, renderInventory, renderLookups, type Lookup} from '../../report/tables-list.js'
import {simulate} from '../../sim/simulate.js'

export default class Tables extends BaseCommand {
  static summary = 'List the kernel tables, or show which tables a simulation would use and where it falls back.'
  static description = `Without --model: every table under bench_data (GPU x kernel x shape), its grid ranges, row count and license (from its provenance sidecar).
With --model: runs the simulation in-process with the same flags as \`infersim simulate\` and lists every MFU lookup it makes: the query shape, whether a table covered it (exact, nearest or interpolated point, with table and line) or it fell back to a default.`

  static examples = [
    {description: 'Everything bundled', command: '<%= config.bin %> tables'},
    {description: 'Only H800 tables, as JSON', command: '<%= config.bin %> tables --gpu H800 --json'},
    {description: 'Which lookups Qwen3-30B-A3B on 4 H20 makes, and which fall back', command: '<%= config.bin %> tables --model qwen3-30b-a3b --gpu H20 --world-size 4'},
  ]

  static flags = {
    model: Flags.string({char: 'm', summary: 'Show the lookups a simulation of this model makes (bundled name or config.json path).'}),
    gpu: Flags.string({char: 'g', summary: 'GPU: only its tables; with --model the GPU simulated (default H20).'}),
    'gpu-spec': gpuFlags['gpu-spec'],
    ...deploymentFlags,
    profile: profileFlag,
    'bench-data': benchDataFlag,
  }

  async run(): Promise<{tables: TableInventory[]} | {model: string; gpu: string; profile: string; lookups: Lookup[]; warnings: unknown[]}> {
    const {flags} = await this.parse(Tables)
    const root = flags['bench-data'] ?? bundled.benchData
    if (!flags.model) {
      const known = flags.gpu ? findGpu(loadGpus(flags['gpu-spec']), flags.gpu) : undefined
      const keys = flags.gpu ? [gpuTableKey(known?.name ?? flags.gpu)] : undefined
      const tables = tableInventory(root, keys)
      if (!this.jsonEnabled()) this.log(renderInventory(tables))
      return {tables}
    }
    const inputs = loadSimInputs({
      model: flags.model,
      gpu: flags.gpu ?? 'H20',
      gpuSpec: flags['gpu-spec'],
      benchData: flags['bench-data'],
      profile: flags.profile as ProfileName,
    })
    const result = simulate(inputs.model, deploymentFromFlags(flags, inputs.gpu), inputs.gpu, inputs.tables, inputs.profile)
    const lookups = lookupsOf(result)
    if (!this.jsonEnabled()) this.log(renderLookups(result, lookups))
    return {model: result.model.name, gpu: result.gpu, profile: result.profile, lookups, warnings: result.warnings}
  }
}
