/** The text report: the reference's sections (byte-compatible), then a breakdown per phase and the warnings. */
import {draftText} from '../serving/speculative.js'
import type {PhaseResult, SimResult} from '../sim/result.js'
import {pyFixed} from '../util/pyformat.js'
import {breakdown, dominantBound} from './breakdown.js'
import {reportEntries, type ReportEntry} from './lines.js'

const WIDTH = 50

/** Python's str.center with a fill character (extra padding goes right). */
export function center(text: string, fill: string, width = WIDTH): string {
  const pad = Math.max(0, width - text.length)
  const left = Math.floor(pad / 2)
  return fill.repeat(left) + text + fill.repeat(pad - left)
}

export function renderEntry(e: ReportEntry): string {
  switch (e.kind) {
    case 'title':
      return center(` ${e.text} `, '=')
    case 'section':
      return center(e.text, '-')
    case 'error':
      return e.text
    case 'line':
      return `${e.label.padEnd(40)} ${e.value.padEnd(10)}`
  }
}

function phaseBreakdown(p: PhaseResult): string[] {
  const title = p.phase === 'prefill' ? 'Prefill breakdown' : 'Decode breakdown'
  const rows = breakdown(p)
  const dom = dominantBound(p)
  const out = [center(title, '-'), `${'step'.padEnd(24)}${'us/layer'.padStart(10)}${'share'.padStart(8)}  ${'bound'.padEnd(14)}${'MFU'.padStart(5)}  source`]
  for (const r of rows) {
    out.push(
      `${r.name.padEnd(24)}${pyFixed(r.microseconds, 2).padStart(10)}${`${pyFixed(r.share * 100, 1)}%`.padStart(8)}  ${r.bound.padEnd(14)}${(r.mfu === undefined ? '' : pyFixed(r.mfu, 3)).padStart(5)}  ${r.provenance ?? ''}`,
    )
  }
  out.push(`overhead per forward: ${pyFixed(p.overheadMs, 2)} ms (${p.overheadSource})`)
  const spec = p.speculative
  if (spec && p.phase === 'prefill') out.push(`Speculative decoding: the draft's layer runs over the prompts too, ${pyFixed(spec.draftMs, 2)} ms beside the steps above.`)
  else if (spec) {
    out.push(
      `Speculative decoding: ${draftText(spec)}. The steps above verify ${spec.draftTokens + 1} tokens a request; ` +
        `the draft's ${spec.draftTokens} forward${spec.draftTokens === 1 ? ' adds' : 's add'} ${pyFixed(spec.draftMs, 2)} ms; TPOT is the ${pyFixed(spec.stepMs, 2)} ms step over ${+spec.acceptLength.toFixed(2)} tokens.`,
    )
  }
  out.push(`${p.phase === 'prefill' ? 'Prefill' : 'Decode'} is mostly ${dom.bound}-bound (${pyFixed(dom.share * 100, 0)}% of step time).`)
  return out
}

export interface TextOptions {
  breakdown?: boolean
  calibrated?: {label: string; lines: string[]}
}

export function renderText(r: SimResult, opts: TextOptions = {}): string {
  const lines: string[] = []
  const fallbacks = countFallbacks(r)
  if (fallbacks > 0) lines.push(`Note: ${fallbacks} figure(s) rest on fallback MFU (no measured table covers them); see the breakdown and warnings.`)
  lines.push(...reportEntries(r).map(renderEntry))
  if (opts.breakdown !== false) {
    if (r.prefill) lines.push(...phaseBreakdown(r.prefill))
    if (r.decode) lines.push(...phaseBreakdown(r.decode))
  }
  if (opts.calibrated) lines.push(center(opts.calibrated.label, '-'), ...opts.calibrated.lines)
  if (r.warnings.length > 0) {
    lines.push(center('Warnings', '-'))
    for (const w of r.warnings) lines.push(`warning: ${w.message}`)
  }
  return lines.join('\n')
}

export function countFallbacks(r: SimResult): number {
  let n = 0
  for (const p of [r.prefill, r.decode]) for (const s of p?.steps ?? []) if (s.mfu?.kind === 'fallback') n++
  return n
}
