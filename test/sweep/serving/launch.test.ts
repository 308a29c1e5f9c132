import {describe, expect, it} from 'vitest'
import {loadLaunchFlags} from '../../../src/io/launch-flags.js'
import {launchCommand, type LaunchSettings, type LaunchUnit} from '../../../src/sweep/serving/launch.js'

const specs = loadLaunchFlags().engines
const fp8 = {fp8Gemm: false, resolved: 'fp8' as const}
const tp = (n: number, moeEp: number, moe = true): LaunchUnit => ({kind: 'tp', worldSize: n, nodes: 1, tp: n, dp: 1, moeEp, moe, weights: fp8, fp8Kv: false, deepep: false})
const dpEp = (n: number, nodes: number, deepep: boolean): LaunchUnit => ({kind: 'dp-ep', worldSize: n, nodes, tp: 1, dp: n, moeEp: n, moe: true, weights: fp8, fp8Kv: false, deepep})
const set = (over: Partial<LaunchSettings> = {}): LaunchSettings => ({maxRunning: 32, stepTokens: 4096, memoryFraction: 0.9, units: 1, ...over})

describe('engine launch commands', () => {
  it('vLLM: TP replica, and attention DP + EP over two nodes with DeepEP (per-rank batch and budget)', () => {
    expect(launchCommand('vllm', specs.vllm, {...tp(4, 1, false), weights: {fp8Gemm: true, resolved: 'fp8'}}, set({maxRunning: 64, stepTokens: 8192})).commands).toEqual([
      {label: 'one unit', command: 'vllm serve $MODEL --tensor-parallel-size 4 --max-num-seqs 64 --max-num-batched-tokens 8192 --gpu-memory-utilization 0.9 --quantization fp8'},
    ])
    expect(launchCommand('vllm', specs.vllm, tp(8, 8), set()).commands[0].command).toBe(
      'vllm serve $MODEL --tensor-parallel-size 8 --enable-expert-parallel --max-num-seqs 32 --max-num-batched-tokens 4096 --gpu-memory-utilization 0.9',
    )
    expect(launchCommand('vllm', specs.vllm, tp(8, 1), set()).commands[0].command).not.toMatch(/expert/)
    const l = launchCommand('vllm', specs.vllm, dpEp(16, 2, true), set())
    const common = 'vllm serve $MODEL --tensor-parallel-size 1 --data-parallel-size 16 --enable-expert-parallel --all2all-backend deepep_low_latency --max-num-seqs 32 --max-num-batched-tokens 4096 --gpu-memory-utilization 0.9'
    expect(l.commands).toEqual([
      {label: 'node 0 ($HEAD_IP)', command: `${common} --data-parallel-size-local 8 --data-parallel-address $HEAD_IP --data-parallel-rpc-port 13345`},
      {label: 'node 1', command: `${common} --headless --data-parallel-size-local 8 --data-parallel-start-rank 8 --data-parallel-address $HEAD_IP --data-parallel-rpc-port 13345`},
    ])
    expect(l.version).toBe('0.12.0')
  })

  it('SGLang: MoE EP inside TP, and DP attention whose batch and budget flags are totals over the DP ranks', () => {
    expect(launchCommand('sglang', specs.sglang, {...tp(8, 4), fp8Kv: true}, set({memoryFraction: 0.88})).commands[0].command).toBe(
      'python -m sglang.launch_server --model-path $MODEL --tp 8 --ep-size 4 --max-running-requests 32 --chunked-prefill-size 4096 --mem-fraction-static 0.88 --kv-cache-dtype fp8_e4m3',
    )
    const l = launchCommand('sglang', specs.sglang, dpEp(16, 2, true), set({memoryFraction: 0.88}))
    const common =
      'python -m sglang.launch_server --model-path $MODEL --tp 16 --dp 16 --enable-dp-attention --ep-size 16 --moe-a2a-backend deepep --max-running-requests 512 --chunked-prefill-size 65536 --mem-fraction-static 0.88'
    expect(l.commands.map((c) => c.command)).toEqual([`${common} --nnodes 2 --node-rank 0 --dist-init-addr $HEAD_IP:50000`, `${common} --nnodes 2 --node-rank 1 --dist-init-addr $HEAD_IP:50000`])
    expect(launchCommand('sglang', specs.sglang, tp(2, 1), set({role: 'decode', stepTokens: undefined})).commands[0].command).toMatch(/--disaggregation-mode decode$/)
  })

  it('asks SGLang for mixed chunks where the figures assume them (its default is off), and no other engine: theirs always mix', () => {
    expect(launchCommand('sglang', specs.sglang, tp(2, 1, false), set({memoryFraction: 0.88, mixedChunk: true})).commands[0].command).toBe(
      'python -m sglang.launch_server --model-path $MODEL --tp 2 --max-running-requests 32 --chunked-prefill-size 4096 --enable-mixed-chunk --mem-fraction-static 0.88',
    )
    expect(launchCommand('sglang', specs.sglang, tp(2, 1, false), set({mixedChunk: false})).commands[0].command).not.toMatch(/mixed/)
    expect(launchCommand('sglang', specs.sglang, tp(2, 1, false), set({mixedChunk: true, role: 'prefill'})).commands[0].command).not.toMatch(/mixed/)
    for (const e of ['vllm', 'trtllm'] as const) expect(launchCommand(e, specs[e], tp(2, 1, false), set({mixedChunk: true})).commands[0].command).not.toMatch(/mixed/)
  })

  it('TensorRT-LLM: flags plus an extra-options YAML; DeepEP and FP8 conversion become notes', () => {
    const l = launchCommand('trtllm', specs.trtllm, {...dpEp(8, 1, true), fp8Kv: true}, set({units: 3}))
    expect(l.commands[0].command).toBe(
      'trtllm-serve $MODEL --backend pytorch --tp_size 8 --ep_size 8 --max_batch_size 32 --max_num_tokens 4096 --kv_cache_free_gpu_memory_fraction 0.9 --extra_llm_api_options extra-llm-api.yaml',
    )
    expect(l.files).toEqual([{name: 'extra-llm-api.yaml', content: 'enable_chunked_prefill: true\nenable_attention_dp: true\nkv_cache_config:\n  dtype: fp8\n'}])
    expect(l.notes).toEqual([
      'TensorRT-LLM 1.0.0 has no flag for DeepEP dispatch/combine, which the figures assume',
      '3 units: independent replicas: one command per GPU group, behind a load balancer',
    ])
    expect(launchCommand('trtllm', specs.trtllm, tp(4, 1), set()).commands[0].command).toMatch(/--tp_size 4 --ep_size 1 /)
    expect(launchCommand('trtllm', specs.trtllm, {...tp(4, 1, false), weights: {fp8Gemm: true, resolved: 'fp8'}}, set()).notes[0]).toMatch(/^FP8 weights: serve an FP8 checkpoint/)
  })

  it("turns on drafting with the checkpoint's multi-token-prediction layer (--mtp), and says what a checkpoint without one needs", () => {
    const mtp = (k: number, mtpLayer = true) => set({speculative: {draftTokens: k, draft: mtpLayer ? 'mtp-layer' : 'one-layer-head'}})
    expect(launchCommand('vllm', specs.vllm, tp(8, 8), mtp(3)).commands[0].command).toMatch(/ --speculative-config '\{"method":"mtp","num_speculative_tokens":3\}'$/)
    // SGLang drafts an MTP checkpoint through its EAGLE path: k steps of top-1, k + 1 tokens to verify.
    expect(launchCommand('sglang', specs.sglang, tp(8, 8), mtp(1)).commands[0].command).toMatch(
      / --speculative-algorithm EAGLE --speculative-num-steps 1 --speculative-eagle-topk 1 --speculative-num-draft-tokens 2$/,
    )
    const trt = launchCommand('trtllm', specs.trtllm, tp(8, 8), mtp(2))
    expect(trt.files[0].content).toBe('enable_chunked_prefill: true\nspeculative_config:\n  decoding_type: MTP\n  num_nextn_predict_layers: 2\n')
    expect(trt.commands[0].command).toMatch(/--extra_llm_api_options extra-llm-api.yaml/)
    const headless = launchCommand('vllm', specs.vllm, tp(1, 1, false), mtp(1, false))
    expect(headless.commands[0].command).not.toMatch(/speculative/)
    expect(headless.notes).toContain('the figures assume speculative decoding with 1 draft token a step (--mtp) from a one-layer draft head, which this checkpoint does not ship: give vLLM a draft model (an EAGLE head) for it')
  })

  it('every flag of every command comes from data/launch-flags.json, which names the version and where each was checked', () => {
    for (const [name, spec] of Object.entries(specs)) {
      expect(spec.version).toMatch(/^\d+\.\d+\.\d+/)
      expect(spec.checkedAgainst.length).toBeGreaterThan(0)
      const known = new Set([spec.launcher, ...Object.values(spec.flags)].join(' ').match(/--[\w-]+/g))
      for (const u of [tp(8, 8), tp(8, 1), tp(2, 1, false), dpEp(16, 2, true), dpEp(8, 1, false)]) {
        for (const role of [undefined, 'prefill', 'decode'] as const) {
          for (const c of launchCommand(name, spec, {...u, fp8Kv: true, weights: {fp8Gemm: true, resolved: 'fp8'}}, set({role})).commands) {
            for (const f of c.command.match(/--[\w-]+/g) ?? []) expect(known.has(f), `${name}: ${f}`).toBe(true)
          }
        }
      }
    }
  })
})
