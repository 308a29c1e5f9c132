/**
 * --plot FILE.svg: two log-log panels, decode (tokens/GPU/s against tokens/s
 * per user) and prefill (tokens/GPU/s against TTFT), with every feasible
 * point (a sample beyond 20,000 per phase), the frontier as a line (points
 * outside the targets hollow), and the targets as dashed lines. Hand-written SVG.
 */
import type {FrontierPoint, SweepResult} from './result.js'
import type {PointSample, SampledPoint} from './sample.js'
import type {SweepPhase} from './types.js'

const PANEL_W = 620
const PANEL_H = 520
const MARGIN = {left: 78, right: 24, top: 64, bottom: 64}
const HEADER = 40
const LEGEND = 44
export const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf']

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
export const f1 = (v: number) => (Math.round(v * 10) / 10).toString()

export function tickLabel(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`
  if (v >= 1000) return `${v / 1000}k`
  return String(Number(v.toPrecision(3)))
}

export interface Axis {
  lo: number
  hi: number
}

/** Log range covering the values with some air; a decade at least. */
export function logRange(values: number[]): Axis {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v))
  if (pos.length === 0) return {lo: 1, hi: 10}
  let lo = Math.log10(Math.min(...pos)) - 0.1
  let hi = Math.log10(Math.max(...pos)) + 0.12
  if (hi - lo < 1) {
    const mid = (lo + hi) / 2
    ;[lo, hi] = [mid - 0.5, mid + 0.5]
  }
  return {lo, hi}
}

export function ticks(axis: Axis): number[] {
  const out: number[] = []
  for (let d = Math.floor(axis.lo); d <= Math.ceil(axis.hi); d++) {
    for (const m of axis.hi - axis.lo > 3 ? [1] : [1, 2, 5]) {
      const v = m * 10 ** d
      const l = Math.log10(v)
      if (l >= axis.lo && l <= axis.hi) out.push(v)
    }
  }
  return out
}

interface PanelSpec {
  title: string
  xLabel: string
  yLabel: string
  x: (latencyMs: number) => number
  points: SampledPoint[]
  frontier: FrontierPoint[]
  target?: {x: number; label: string}
  /** Whether a latency meets the phase's target. */
  meets: (latencyMs: number) => boolean
  sampled: string
}

function panel(spec: PanelSpec, ox: number, oy: number, colourOf: (gpu: number) => string): string[] {
  const w = PANEL_W - MARGIN.left - MARGIN.right
  const h = PANEL_H - MARGIN.top - MARGIN.bottom
  const xs = [...spec.points.map((p) => spec.x(p.latencyMs)), ...spec.frontier.map((p) => spec.x(p.latencyMs)), ...(spec.target ? [spec.target.x] : [])]
  const ys = [...spec.points.map((p) => p.tgs), ...spec.frontier.map((p) => p.tgs)]
  const ax = logRange(xs)
  const ay = logRange(ys)
  const left = ox + MARGIN.left
  const top = oy + MARGIN.top
  const px = (v: number) => left + ((Math.log10(v) - ax.lo) / (ax.hi - ax.lo)) * w
  const py = (v: number) => top + h - ((Math.log10(v) - ay.lo) / (ay.hi - ay.lo)) * h
  const clip = `clip${ox}`
  const out: string[] = [
    `<text x="${ox + PANEL_W / 2}" y="${oy + 30}" font-size="15" text-anchor="middle" font-weight="bold">${esc(spec.title)}</text>`,
    `<text x="${ox + PANEL_W / 2}" y="${oy + 48}" font-size="11" text-anchor="middle" fill="#555">${esc(spec.sampled)}</text>`,
    `<clipPath id="${clip}"><rect x="${left}" y="${top}" width="${w}" height="${h}"/></clipPath>`,
  ]
  for (const v of ticks(ax)) {
    const x = f1(px(v))
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + h}" stroke="#e4e4e4"/>`)
    out.push(`<text x="${x}" y="${top + h + 18}" font-size="11" text-anchor="middle">${tickLabel(v)}</text>`)
  }
  for (const v of ticks(ay)) {
    const y = f1(py(v))
    out.push(`<line x1="${left}" y1="${y}" x2="${left + w}" y2="${y}" stroke="#e4e4e4"/>`)
    out.push(`<text x="${left - 8}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${tickLabel(v)}</text>`)
  }
  out.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${left + w / 2}" y="${top + h + 44}" font-size="13" text-anchor="middle">${esc(spec.xLabel)}</text>`)
  out.push(`<text transform="translate(${ox + 20} ${top + h / 2}) rotate(-90)" font-size="13" text-anchor="middle">${esc(spec.yLabel)}</text>`)
  out.push(`<g clip-path="url(#${clip})">`)
  // Points outside the targets hollow, inside filled; the frontier on top.
  for (const p of spec.points) {
    const [x, y] = [f1(px(spec.x(p.latencyMs))), f1(py(p.tgs))]
    const c = colourOf(p.gpu)
    out.push(p.meets ? `<circle cx="${x}" cy="${y}" r="2.2" fill="${c}" fill-opacity="0.35"/>` : `<circle cx="${x}" cy="${y}" r="2.2" fill="none" stroke="#999" stroke-opacity="0.5" stroke-width="0.7"/>`)
  }
  if (spec.target) {
    const x = f1(px(spec.target.x))
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + h}" stroke="#000" stroke-width="1.5" stroke-dasharray="6 4"/>`)
  }
  const sorted = [...spec.frontier].sort((a, b) => spec.x(a.latencyMs) - spec.x(b.latencyMs))
  if (sorted.length > 1) {
    const path = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${f1(px(spec.x(p.latencyMs)))},${f1(py(p.tgs))}`).join(' ')
    out.push(`<path d="${path}" fill="none" stroke="#111" stroke-width="1.6"/>`)
  }
  for (const p of sorted) {
    const [x, y] = [f1(px(spec.x(p.latencyMs))), f1(py(p.tgs))]
    out.push(spec.meets(p.latencyMs) ? `<circle cx="${x}" cy="${y}" r="3.4" fill="#111"/>` : `<circle cx="${x}" cy="${y}" r="3" fill="#fff" stroke="#111" stroke-width="1.2"/>`)
  }
  out.push('</g>')
  if (spec.target) {
    const x = px(spec.target.x)
    out.push(`<text x="${f1(x + 5)}" y="${top + 14}" font-size="11">${esc(spec.target.label)}</text>`)
  }
  return out
}

function sampledNote(sample: PointSample, phase: SweepPhase): string {
  const r = sample.phases[phase]
  return r.seen > r.points.length ? `${r.points.length.toLocaleString('en-US')} of ${r.seen.toLocaleString('en-US')} points (uniform sample)` : `${r.seen.toLocaleString('en-US')} points`
}

export function renderSweepPlot(result: SweepResult, frontiers: {decode: FrontierPoint[]; prefill: FrontierPoint[]}, sample: PointSample): string {
  const width = PANEL_W * 2
  const height = HEADER + PANEL_H + LEGEND
  const colourOf = (gpu: number) => COLOURS[gpu % COLOURS.length]
  const w = result.workload
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="26" font-size="17" text-anchor="middle">${esc(`${result.model} on ${result.gpus.join(', ')}: ISL ${w.isl}, OSL ${w.osl}, profile ${result.profile}`)}</text>`,
  ]
  out.push(
    ...panel(
      {
        title: 'Decode: throughput against per-user speed',
        xLabel: 'tokens/s per user (1000 / TPOT ms)',
        yLabel: 'decode tokens/GPU/s',
        x: (latency) => 1000 / latency,
        points: sample.phases.decode.points,
        frontier: frontiers.decode,
        target: w.tpotMaxMs !== undefined ? {x: 1000 / w.tpotMaxMs, label: `TPOT ${w.tpotMaxMs} ms`} : undefined,
        meets: (latency) => w.tpotMaxMs === undefined || latency <= w.tpotMaxMs,
        sampled: sampledNote(sample, 'decode'),
      },
      0,
      HEADER,
      colourOf,
    ),
    ...panel(
      {
        title: 'Prefill: throughput against TTFT',
        xLabel: 'TTFT ms',
        yLabel: 'prefill tokens/GPU/s',
        x: (latency) => latency,
        points: sample.phases.prefill.points,
        frontier: frontiers.prefill,
        target: w.ttftMaxMs !== undefined ? {x: w.ttftMaxMs, label: `TTFT ${w.ttftMaxMs} ms`} : undefined,
        meets: (latency) => w.ttftMaxMs === undefined || latency <= w.ttftMaxMs,
        sampled: sampledNote(sample, 'prefill'),
      },
      PANEL_W,
      HEADER,
      colourOf,
    ),
  )
  // Legend: one swatch per GPU, the frontier, points outside the targets, the target lines.
  const ly = HEADER + PANEL_H + 20
  let lx = MARGIN.left
  const item = (svg: string, label: string) => {
    out.push(svg.replaceAll('@X', String(lx)), `<text x="${lx + 16}" y="${ly + 4}" font-size="12">${esc(label)}</text>`)
    lx += 16 + label.length * 7 + 24
  }
  result.gpus.forEach((g, i) => item(`<circle cx="@X" cy="${ly}" r="4" fill="${colourOf(i)}" fill-opacity="0.6"/>`, `${g} (within targets)`))
  item(`<circle cx="@X" cy="${ly}" r="4" fill="none" stroke="#999"/>`, 'outside the targets')
  item(`<circle cx="@X" cy="${ly}" r="4" fill="#111"/>`, 'Pareto frontier (hollow: outside the targets)')
  if (w.tpotMaxMs !== undefined || w.ttftMaxMs !== undefined) item(`<line x1="@X" y1="${ly - 6}" x2="@X" y2="${ly + 6}" stroke="#000" stroke-width="1.5" stroke-dasharray="3 2"/>`, 'target')
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
