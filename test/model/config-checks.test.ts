/** Config fields that would give NaN or negative figures are refused, one message naming the field. */
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseModelConfig} from '../../src/model/parse.js'
import {ROOT, runCli} from '../helpers/cli.js'

type Json = Record<string, unknown>
const bundled = (name: string): Json => JSON.parse(readFileSync(path.join(ROOT, 'hf_configs', `${name}.json`), 'utf8'))
const parse = (cfg: Json, publishedConfigs = true) => () => parseModelConfig(cfg, 'config.json', 'm', {publishedConfigs})

const cases: [string, string, (c: Json) => void, RegExp][] = [
  ['0 layers', 'qwen3-8b', (c) => (c.num_hidden_layers = 0), /field "num_hidden_layers" must be at least 1, got 0/],
  ['3.5 layers', 'qwen3-8b', (c) => (c.num_hidden_layers = 3.5), /field "num_hidden_layers" must be a whole number, got 3\.5/],
  ['0 heads', 'qwen3-8b', (c) => (c.num_attention_heads = 0), /field "num_attention_heads" must be at least 1, got 0/],
  ['0 KV heads', 'qwen3-8b', (c) => (c.num_key_value_heads = 0), /field "num_key_value_heads" must be at least 1, got 0/],
  ['more KV heads than heads', 'qwen3-8b', (c) => (c.num_key_value_heads = 64), /"num_key_value_heads" \(64\) exceeds "num_attention_heads" \(32\)/],
  ['KV heads not dividing the heads', 'qwen3-8b', (c) => (c.num_key_value_heads = 12), /"num_key_value_heads" \(12\) does not divide "num_attention_heads" \(32\)/],
  ['hidden 1e15', 'qwen3-8b', (c) => (c.hidden_size = 1e15), /field "hidden_size" is 1000000000000000, beyond any real model \(at most 1048576\)/],
  ['a negative width', 'qwen3-8b', (c) => (c.intermediate_size = -4096), /field "intermediate_size" must be at least 1, got -4096/],
  ['a number as text', 'qwen3-8b', (c) => (c.num_hidden_layers = '36'), /field "num_hidden_layers" must be a whole number, got "36"/],
  ['no head dimension', 'llama-3.1-8b', (c) => ((c.hidden_size = 16), (c.num_attention_heads = 32), (c.num_key_value_heads = 8)), /"hidden_size" 16 over "num_attention_heads" 32 leaves no head dimension/],
  ['0 vocabulary', 'qwen3-8b', (c) => (c.vocab_size = 0), /field "vocab_size" must be at least 1, got 0/],
  ['more experts per token than experts', 'qwen3-30b-a3b', (c) => (c.num_experts_per_tok = 200), /field "num_experts_per_tok" \(200\) exceeds the 128 routed experts \("num_experts"\)/],
  ['MoE every 0th layer', 'deepseek-v3', (c) => (c.moe_layer_freq = 0), /field "moe_layer_freq" must be at least 1, got 0/],
  ['MLA without a query head dimension', 'deepseek-v3', (c) => ((c.qk_nope_head_dim = 0), (c.qk_rope_head_dim = 0)), /"qk_nope_head_dim" and "qk_rope_head_dim" are both 0/],
  ['0 linear-attention heads', 'qwen3-next-80b-a3b', (c) => (c.linear_num_key_heads = 0), /field "linear_num_key_heads" must be at least 1, got 0/],
]

describe('model config sanity checks', () => {
  for (const [what, model, edit, message] of cases) {
    it(`${what}: refused, naming the field`, () => {
      const cfg = bundled(model)
      edit(cfg)
      expect(parse(cfg)).toThrow(message)
      expect(parse(cfg)).toThrow(/^config\.json: /)
    })
  }

  it('0 routed experts is refused by the compat reading too (it would divide by zero)', () => {
    const cfg = bundled('qwen3-30b-a3b')
    cfg.num_experts = 0
    expect(parse(cfg, false)).toThrow(/field "num_experts" must be at least 1, got 0/)
  })

  it('a long text value is described, not repeated', () => {
    const cfg = bundled('qwen3-8b')
    cfg.hidden_size = 'root:x:0:0:root:/root:/bin/bash'
    expect(parse(cfg)).toThrow(/field "hidden_size" must be a whole number, got a value of 31 characters \(not shown\)/)
  })

  it('every bundled config passes', () => {
    const names = readdirSync(path.join(ROOT, 'hf_configs')).filter((f) => f.endsWith('.json') && !f.endsWith('.hf_quant_config.json'))
    expect(names.length).toBeGreaterThan(20)
    for (const n of names) for (const published of [true, false]) expect(parse(bundled(n.slice(0, -5)), published)).not.toThrow()
  })
})

describe('simulate and sweep refuse a broken config', () => {
  const write = (edit: (c: Json) => void) => {
    const cfg = bundled('qwen3-8b')
    edit(cfg)
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'infersim-cfg-')), 'config.json')
    writeFileSync(file, JSON.stringify(cfg))
    return file
  }

  it('simulate: 0 heads exits 1 with the field named, no NaN report', async () => {
    const r = await runCli(['simulate', '--model', write((c) => (c.num_attention_heads = 0))])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/config\.json: field "num_attention_heads" must be at least 1, got 0/)
    expect(r.stdout).toBe('')
  })

  it('sweep: no deployments recommended for a 0-head model', async () => {
    const r = await runCli(['sweep', '--model', write((c) => (c.num_attention_heads = 0)), '--max-gpus', '2', '--workers', '0', '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toMatch(/field "num_attention_heads" must be at least 1/)
  })

  it('simulate: hidden 1e15 exits 1 instead of a negative KV space', async () => {
    const r = await runCli(['simulate', '--model', write((c) => (c.hidden_size = 1e15)), '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toMatch(/field "hidden_size" is 1000000000000000, beyond any real model/)
  })
})
