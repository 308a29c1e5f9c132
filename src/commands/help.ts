import {Args, Help} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {unknownCommandMessage} from '../cli/not-found.js'
import {usageError} from '../errors.js'

export default class HelpCommand extends BaseCommand {
  static summary = 'Show help for infersim, or for one command (the same as COMMAND --help or -h).'
  static enableJsonFlag = false
  static strict = false
  static args = {command: Args.string({description: 'Command, e.g. simulate or tables score.'})}
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help simulate', '<%= config.bin %> help tables score', '<%= config.bin %> sweep -h']

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand)
    const words = argv as string[]
    const id = words.join(':')
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) throw usageError(unknownCommandMessage(id, this.config))
    await new Help(this.config, this.config.pjson.oclif.helpOptions).showHelp(words)
  }
}
