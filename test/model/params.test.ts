/**
 * Parameter count check (issue 8): for every bundled model, the total computed
 * from its config is within 2% of the size its publisher states.
 */
import {describe, expect, it} from 'vitest'
import {parameterCount} from '../../src/cost/params.js'
import {bundledModelNames, loadModel} from '../../src/io/models.js'

/** Published total parameters (billions) and where they are stated. */
const PUBLISHED: Record<string, [number, string]> = {
  'deepseek-r1': [671, 'DeepSeek-R1 model card: 671B total, 37B activated (MTP module excluded)'],
  'deepseek-v3': [671, 'DeepSeek-V3 technical report: 671B total, 37B activated (MTP module excluded)'],
  'deepseek-v3-infersim': [671, 'same model as deepseek-v3 (InferSim hand-edited config)'],
  'deepseek-v3.2': [671, 'DeepSeek-V3.2-Exp model card: same 671B architecture plus the lightning indexer'],
  'glm-5': [744, 'Z.ai GLM-5 announcement: 744B total, 40B active'],
  'gpt-oss-120b': [116.83, 'openai/gpt-oss-120b model card: 116.83B total'],
  'gpt-oss-20b': [20.91, 'openai/gpt-oss-20b model card: 20.91B total'],
  'kimi-k2': [1040, 'Kimi K2 technical report: 1.04T total, 32.6B activated'],
  'llama-2-70b': [69.0, 'Llama 2 paper (70B); HF safetensors: 68.98B'],
  'llama-2-7b': [6.74, 'Llama 2 paper (7B); HF safetensors: 6.74B'],
  'llama-3.1-405b': [405.85, 'meta-llama/Llama-3.1-405B on HF: 406B (405.85B)'],
  'llama-3.1-70b': [70.6, 'meta-llama/Llama-3.1-70B on HF: 70.6B'],
  'llama-3.1-70b-fp8': [70.6, 'nvidia/Llama-3.1-70B-Instruct-FP8: same 70.6B model'],
  'llama-3.1-8b': [8.03, 'meta-llama/Llama-3.1-8B on HF: 8.03B'],
  'llama-4-scout': [109, 'Llama 4 Scout model card: 109B total, 17B active (vision encoder included)'],
  'minimax-m2.5': [230, 'MiniMax-M2 model card: 230B total, 10B active'],
  'mixtral-8x22b': [141, 'Mistral AI, Mixtral 8x22B announcement: 141B total, 39B active'],
  'mixtral-8x7b': [46.7, 'Mistral AI, Mixtral of experts: 46.7B total, 12.9B active'],
  'qwen3-235b-a22b': [235, 'Qwen3-235B-A22B model card: 235B total, 22B activated'],
  'qwen3-30b-a3b': [30.5, 'Qwen3-30B-A3B model card: 30.5B total, 3.3B activated'],
  'qwen3-32b': [32.8, 'Qwen3-32B model card: 32.8B'],
  'qwen3-8b': [8.2, 'Qwen3-8B model card: 8.2B'],
  'qwen3-next-80b-a3b': [80, 'Qwen3-Next-80B-A3B model card: 80B total, 3B activated'],
  'qwen3.5-122b-a10b': [122, 'Qwen3.5-122B-A10B (name and model card): 122B total'],
  'qwen3.5-27b': [27, 'Qwen3.5-27B (name and model card): 27B'],
  'qwen3.5-35b-a3b': [35, 'Qwen3.5-35B-A3B (name and model card): 35B total'],
  'qwen3.5-397b-a17b': [397, 'Qwen3.5-397B-A17B (name and model card): 397B total'],
}

describe('parameter count of every bundled model', () => {
  const names = bundledModelNames()

  it('has a published figure for every bundled model', () => {
    expect(names.filter((n) => !(n in PUBLISHED))).toEqual([])
  })

  for (const name of names) {
    it(`${name}: within 2% of ${PUBLISHED[name]?.[0]}B (${PUBLISHED[name]?.[1]})`, () => {
      const total = parameterCount(loadModel(name, {publishedConfigs: true})).total / 1e9
      const [published] = PUBLISHED[name]
      expect(Math.abs(total - published) / published).toBeLessThanOrEqual(0.02)
    })
  }
})
