import {listGpus, type GpuListing} from '../api/catalog.js'
import {BaseCommand} from '../cli/base.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {gpusOptions} from '../options/catalog.js'
import {renderTable} from '../report/table.js'

export default class Gpus extends BaseCommand {
  static summary = 'List the GPUs infersim knows, with datasheet and effective figures.'
  static description = `GPUs live in data/gpus.json (schema: src/schemas/gpu.schema.json). Add your own with --gpu-spec FILE (same schema) on any command.
"compat" entries are the InferSim project's own GPU figures, kept exactly for --profile infersim parity. Effective bandwidths are datasheet x efficiency (x direction factor for NVLink).`

  static examples = ['<%= config.bin %> gpus', '<%= config.bin %> gpus --gpu-spec my-gpus.json --json']

  static flags = oclifFlags(gpusOptions)

  async run(): Promise<{gpus: GpuListing[]}> {
    const {flags, metadata} = await this.parse(Gpus)
    const gpus = await listGpus(optionsFromFlags(gpusOptions, flags, metadata))
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['name', 'compat', 'bf16 TF', 'fp8 TF', 'mem GiB', 'HBM GB/s (eff)', 'NVLink GB/s (eff)', 'RDMA GB/s (eff)', 'default MFU', 'source'],
          gpus.map((g) => [
            g.name,
            g.compat ? 'yes' : '',
            g.fp16Tflops,
            g.fp8Tflops,
            g.memGiB,
            `${g.memBwGBs} (${g.effective.memBw.toFixed(0)})`,
            `${g.nvlinkGBs} (${g.effective.nvlinkBw.toFixed(0)})`,
            `${g.rdmaGBs} (${g.effective.rdmaBw.toFixed(0)})`,
            g.defaultMfu,
            g.source,
          ]),
          [2, 3, 4, 8],
        ),
      )
    }
    return {gpus}
  }
}
