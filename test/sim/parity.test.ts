/**
 * --profile infersim parity: every figure the reference printed for its 11
 * example runs, to the printed digit. The fixtures are the reference's own
 * output; the figures here are computed by running our CLI with the same
 * arguments (InferSim's flag names, which we accept as aliases).
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {reportEntries, type ReportEntry} from '../../src/report/lines.js'
import {renderEntry} from '../../src/report/text.js'
import type {SimResult} from '../../src/sim/result.js'
import {ROOT, runJson} from '../helpers/cli.js'

const DIR = path.join(ROOT, 'test', 'fixtures', 'infersim-examples')

/** The reference's config files and our bundled short names for them. */
const CONFIG_NAMES: Record<string, string> = {
  'hf_configs/deepseek_v3_config.json': 'deepseek-v3-infersim',
  'hf_configs/qwen3-30B-A3B_config.json': 'qwen3-30b-a3b',
  'hf_configs/qwen3-8B_config.json': 'qwen3-8b',
  'hf_configs/qwen3-next-80B-A3B_config.json': 'qwen3-next-80b-a3b',
  'hf_configs/qwen3.5-122B-A10B_config.json': 'qwen3.5-122b-a10b',
  'hf_configs/qwen3.5-35B-A3B_config.json': 'qwen3.5-35b-a3b',
}

interface Fixture {
  name: string
  args: string[]
  lines: string[]
}

function readFixture(file: string): Fixture {
  const text = readFileSync(path.join(DIR, file), 'utf8')
  const [first, ...rest] = text.split('\n')
  const args = first.replace(/^# args:\s*/, '').trim().split(/\s+/)
  const i = args.indexOf('--config-path')
  args[i + 1] = CONFIG_NAMES[args[i + 1]] ?? args[i + 1]
  const lines = rest.map((l) => l.trimEnd()).filter((l) => l.length > 0)
  return {name: file.replace(/\.txt$/, ''), args, lines}
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map(readFixture)

describe('--profile infersim reproduces the reference example runs', () => {
  it('has the 11 reference examples', () => {
    expect(fixtures).toHaveLength(11)
  })

  for (const fx of fixtures) {
    it(`${fx.name}: every printed line and figure`, async () => {
      const {json, exitCode} = await runJson<SimResult>(['simulate', ...fx.args, '--profile', 'infersim'])
      expect(exitCode).toBe(0)
      const ours = reportEntries(json).map((e: ReportEntry) => renderEntry(e).trimEnd())
      expect(ours).toEqual(fx.lines)
    })
  }
})
