import {listModels} from '../api/catalog.js'
import {BaseCommand} from '../cli/base.js'
import {oclifFlags} from '../cli/flags.js'
import {optionsFromFlags} from '../cli/options.js'
import {modelsOptions} from '../options/catalog.js'
import type {ModelSummary} from '../report/model-summary.js'
import {renderTable} from '../report/table.js'

export default class Models extends BaseCommand {
  static summary = 'List the bundled model configs with their architecture.'
  static description = `Each bundled model is a HuggingFace config.json under hf_configs/, addressed by its short name (--model NAME).
Parameters are computed by infersim from the config (embeddings included). Any other config works too: --model path/to/config.json.`

  static examples = ['<%= config.bin %> models', '<%= config.bin %> models --json']

  static flags = oclifFlags(modelsOptions)

  async run(): Promise<{models: ModelSummary[]}> {
    const {flags, metadata} = await this.parse(Models)
    const models = await listModels(optionsFromFlags(modelsOptions, flags, metadata))
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['name', 'type', 'layers', 'hidden', 'attention', 'FFN', 'params (B)', 'active (B)', 'ships'],
          models.map((m) => [m.name, m.modelType, m.layers, m.hidden, m.attention, m.ffn, m.paramsB.toFixed(1), m.activeParamsB.toFixed(1), m.shippedQuant ?? '']),
          [2, 3, 6, 7],
        ),
      )
    }
    return {models}
  }
}
