/**
 * The engine's own launch command for a deployment, with the flags that set
 * what the sweep chose (parallel layout, batch, step token budget, memory
 * share, KV and weight formats), as data/launch-flags.json spells them for
 * the engine version it names. $MODEL stands for the checkpoint.
 */
import type {SpeculativeRun} from '../../serving/speculative.js'
import type {EngineLaunchSpec} from '../../io/launch-flags.js'
import type {WeightChoice} from '../types.js'

export interface LaunchUnit {
  kind: 'tp' | 'dp-ep'
  worldSize: number
  nodes: number
  tp: number
  /** Attention DP ranks of the unit. */
  dp: number
  /** MoE expert parallelism (dp-ep: the whole unit). */
  moeEp: number
  moe: boolean
  weights: WeightChoice
  fp8Kv: boolean
  deepep: boolean
}

export interface LaunchSettings {
  /** Requests one rank runs at once. */
  maxRunning?: number
  /** Step token budget of one rank. */
  stepTokens?: number
  memoryFraction: number
  /** Copies of the unit. */
  units: number
  /** A pool of a disaggregated deployment. */
  role?: 'prefill' | 'decode'
  /** Steps that carry prefill chunks beside decodes, as the figures assume (the engine's mixed_chunk): the engine's flag for it, where it has one. */
  mixedChunk?: boolean
  /** Speculative decoding the figures assume (--mtp): draft tokens a step, and which draft makes them. */
  speculative?: Pick<SpeculativeRun, 'draftTokens' | 'draft'>
}

export interface EngineLaunch {
  engine: string
  /** Engine version the flags are for. */
  version: string
  commands: {label: string; command: string}[]
  files: {name: string; content: string}[]
  notes: string[]
}

const fill = (template: string, vars: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m))

const TRTLLM_OPTIONS_FILE = 'extra-llm-api.yaml'

/**
 * The engine's switch for drafting with the checkpoint's own
 * multi-token-prediction layer (flag mtp, or yamlMtp in its options file).
 * A checkpoint without one needs a draft model of its own (an EAGLE head),
 * which these commands cannot name: a note says so.
 */
function speculativeLaunch(spec: EngineLaunchSpec, s: Pick<SpeculativeRun, 'draftTokens' | 'draft'>, flag: (role: string, vars: Record<string, string | number>) => void, yaml: string[], notes: string[]): void {
  const vars = {draft: s.draftTokens, verify: s.draftTokens + 1}
  const tokens = `${s.draftTokens} draft token${s.draftTokens === 1 ? '' : 's'} a step`
  if (s.draft !== 'mtp-layer') notes.push(`the figures assume speculative decoding with ${tokens} (--mtp) from a one-layer draft head, which this checkpoint does not ship: give ${spec.title} a draft model (an EAGLE head) for it`)
  else if (spec.flags.mtp !== undefined) flag('mtp', vars)
  else if (spec.flags.yamlMtp !== undefined) yaml.push(fill(spec.flags.yamlMtp, vars))
  else notes.push(`the figures assume speculative decoding with ${tokens} (--mtp): ${spec.title} ${spec.version} has no flag for it here`)
}

export function launchCommand(engine: string, spec: EngineLaunchSpec, u: LaunchUnit, s: LaunchSettings): EngineLaunch {
  const f = spec.flags
  const args: string[] = [fill(spec.launcher, {model: '$MODEL'})]
  const yaml: string[] = []
  const notes: string[] = []
  const flag = (role: string, vars: Record<string, string | number> = {}) => {
    if (f[role] !== undefined) args.push(fill(f[role], vars))
  }
  // Per-rank values, or totals the engine divides by its DP size.
  const total = (v: number) => (spec.valuesPerDpRank ? v : v * u.dp)
  if (u.kind === 'tp') {
    flag('tp', {value: u.tp})
    if (u.moe) {
      if (spec.moeEpInsideTp === 'whole-group') {
        if (u.moeEp > 1) flag('expertParallel')
      } else flag('ep', {value: u.moeEp})
    }
  } else {
    flag('tp', {value: spec.tpUnderAttentionDp === 'attention-tp' ? u.tp : u.worldSize})
    flag('dp', {value: u.dp})
    flag('dpAttention')
    flag('expertParallel')
    flag('ep', {value: u.moeEp})
    if (f.yamlDpAttention) yaml.push(f.yamlDpAttention)
    if (u.deepep) {
      if (f.deepep) flag('deepep')
      else notes.push(`${spec.title} ${spec.version} has no flag for DeepEP dispatch/combine, which the figures assume`)
    }
  }
  if (s.maxRunning !== undefined) flag('maxRunning', {value: total(s.maxRunning)})
  if (s.stepTokens !== undefined) flag('stepTokens', {value: total(s.stepTokens)})
  // An aggregated unit mixes prefill chunks with decodes where the figures say so; a disaggregated pool runs one phase.
  if (s.mixedChunk && !s.role) flag('mixedChunk')
  flag('memoryFraction', {value: s.memoryFraction})
  if (u.fp8Kv) {
    if (f.kvFp8) flag('kvFp8')
    else if (f.yamlKvFp8) yaml.push(f.yamlKvFp8)
  }
  if (u.weights.fp8Gemm) {
    if (f.fp8Weights) flag('fp8Weights')
    else if (spec.notes.fp8Weights) notes.push(spec.notes.fp8Weights)
  } else if (u.weights.weightFormat) notes.push(`${u.weights.weightFormat} weights: serve a ${u.weights.weightFormat} checkpoint`)
  if (s.role) {
    const role = s.role === 'prefill' ? 'disaggPrefill' : 'disaggDecode'
    if (f[role]) flag(role)
    if (spec.notes.disaggregated) notes.push(spec.notes.disaggregated)
  }
  if (s.speculative) speculativeLaunch(spec, s.speculative, flag, yaml, notes)
  if (f.yamlChunkedPrefill && s.role !== 'decode') yaml.unshift(f.yamlChunkedPrefill)
  if (yaml.length > 0) flag('extraOptions', {file: TRTLLM_OPTIONS_FILE})
  const base = args.join(' ')
  const commands: {label: string; command: string}[] = []
  if (u.nodes > 1 && f.headNode && f.otherNode) {
    const local = u.worldSize / u.nodes
    const vars = {nodes: u.nodes, local, head: '$HEAD_IP'}
    commands.push({label: 'node 0 ($HEAD_IP)', command: `${base} ${fill(f.headNode, vars)}`})
    for (let k = 1; k < u.nodes; k++) commands.push({label: `node ${k}`, command: `${base} ${fill(f.otherNode, {...vars, rank: k, start: k * local})}`})
  } else {
    commands.push({label: u.nodes > 1 ? `every node of ${u.nodes}` : 'one unit', command: base})
    if (u.nodes > 1 && spec.notes.multiNode) notes.push(spec.notes.multiNode)
  }
  if (s.units > 1 && spec.notes.replicas) notes.push(`${s.units} units: ${spec.notes.replicas}`)
  return {engine, version: spec.version, commands, files: yaml.length > 0 ? [{name: TRTLLM_OPTIONS_FILE, content: `${yaml.join('\n')}\n`}] : [], notes}
}
