import {listGpus, type GpuListing} from '../api/catalog.js'
import {BaseCommand} from '../cli/base.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {gpusOptions} from '../options/catalog.js'
import {renderTable} from '../report/table.js'

export default class Gpus extends BaseCommand {
  static summary = 'List the GPUs infersim knows, with datasheet and effective figures.'
  static description = `GPUs live in data/gpus.json (schema: src/schemas/gpu.schema.json). Add your own with --gpu-spec FILE (same schema) on any command.
"compat" entries are the InferSim project's own GPU figures, kept exactly for --profile infersim parity. Effective bandwidths are datasheet x efficiency (x direction factor for NVLink).
"kernel tables" says where a GPU's kernel figures come from: "measured" (its own tables in bench_data), "as X" (the entry X, measuredAs), "from X" (X's tables carried to this GPU's peaks and bandwidth, tablesFrom), or "none" (every kernel at the roofline times the default MFU).`

  static examples = ['<%= config.bin %> gpus', '<%= config.bin %> gpus --gpu-spec my-gpus.json --json']

  static flags = oclifFlags(gpusOptions)

  async run(): Promise<{gpus: GpuListing[]}> {
    const {flags, metadata} = await this.parse(Gpus)
    const gpus = await listGpus(optionsFromFlags(gpusOptions, flags, metadata))
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['name', 'compat', 'kernel tables', 'bf16 TF', 'fp8 TF', 'mem GiB', 'HBM GB/s (eff)', 'NVLink GB/s (eff)', 'RDMA GB/s (eff)', 'default MFU', 'source'],
          gpus.map((g) => [
            g.name,
            g.compat ? 'yes' : '',
            g.tables,
            g.fp16Tflops,
            g.fp8Tflops,
            g.memGiB,
            `${g.memBwGBs} (${g.effective.memBw.toFixed(0)})`,
            `${g.nvlinkGBs} (${g.effective.nvlinkBw.toFixed(0)})`,
            `${g.rdmaGBs} (${g.effective.rdmaBw.toFixed(0)})`,
            g.defaultMfu,
            g.source,
          ]),
          [3, 4, 5, 9],
        ),
      )
    }
    return {gpus}
  }
}
