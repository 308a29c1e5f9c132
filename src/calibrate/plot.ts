/**
 * Simulated vs actual on log-log axes as a hand-written SVG: the y = x line,
 * a +-10% band, one colour per phase, one marker per profile, labelled points.
 */
import type {RowOutcome} from './types.js'

const SIZE = 900
const MARGIN = {left: 80, right: 30, top: 50, bottom: 70}
const PHASE_COLOURS: Record<string, string> = {prefill: '#1f77b4', decode: '#d62728', e2e: '#2ca02c', serving: '#9467bd'}
const OTHER_COLOUR = '#7f7f7f'

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const fmt = (v: number) => (Math.round(v * 10) / 10).toString()

function tickLabel(v: number): string {
  if (v >= 1000) return `${v / 1000}k`
  return String(v)
}

function marker(profile: string, profiles: string[], x: number, y: number, colour: string): string {
  if (profiles.indexOf(profile) <= 0) return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="5" fill="${colour}" fill-opacity="0.85" stroke="#000" stroke-width="0.6"/>`
  return `<rect x="${fmt(x - 4.5)}" y="${fmt(y - 4.5)}" width="9" height="9" fill="none" stroke="${colour}" stroke-width="1.8"/>`
}

interface Box {
  x0: number
  x1: number
  y: number
}

/** Approximate width of an 8px label. */
const labelWidth = (text: string) => text.length * 4.6

/** Moves a label down (then up) in 9px steps until it overlaps no placed label; records it. */
function placeLabel(placed: Box[], x0: number, x1: number, y: number): number {
  const clash = (yy: number) => placed.some((b) => b.x0 < x1 && x0 < b.x1 && Math.abs(b.y - yy) < 9)
  let best = y
  for (let i = 1; clash(best) && i < 12; i++) best = y + (i % 2 === 1 ? 1 : -1) * Math.ceil(i / 2) * 9
  placed.push({x0, x1, y: best})
  return best
}

export function renderPlotSvg(outcomes: readonly RowOutcome[], title: string): string {
  const ok = outcomes.filter((o) => o.status === 'ok')
  const values = ok.flatMap((o) => [o.actual, o.simulated!])
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values) * 0.9)))
  const hi = Math.max(lo * 10, Math.pow(10, Math.ceil(Math.log10(Math.max(...values) * 1.1))))
  const [l0, l1] = [Math.log10(lo), Math.log10(hi)]
  const w = SIZE - MARGIN.left - MARGIN.right
  const h = SIZE - MARGIN.top - MARGIN.bottom
  const px = (v: number) => MARGIN.left + ((Math.log10(v) - l0) / (l1 - l0)) * w
  const py = (v: number) => MARGIN.top + h - ((Math.log10(v) - l0) / (l1 - l0)) * h
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" font-family="Helvetica, Arial, sans-serif">`)
  out.push(`<rect width="${SIZE}" height="${SIZE}" fill="#fff"/>`)
  out.push(`<text x="${SIZE / 2}" y="28" font-size="18" text-anchor="middle">${esc(title)}</text>`)
  out.push(`<clipPath id="area"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}"/></clipPath>`)
  // Grid and ticks at 1, 2, 5 per decade.
  for (let d = l0; d <= l1; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, d)
      if (v < lo || v > hi) continue
      const major = m === 1
      const colour = major ? '#ccc' : '#eee'
      out.push(`<line x1="${fmt(px(v))}" y1="${MARGIN.top}" x2="${fmt(px(v))}" y2="${MARGIN.top + h}" stroke="${colour}"/>`)
      out.push(`<line x1="${MARGIN.left}" y1="${fmt(py(v))}" x2="${MARGIN.left + w}" y2="${fmt(py(v))}" stroke="${colour}"/>`)
      const size = major ? 13 : 10
      out.push(`<text x="${fmt(px(v))}" y="${MARGIN.top + h + 18}" font-size="${size}" text-anchor="middle">${tickLabel(v)}</text>`)
      out.push(`<text x="${MARGIN.left - 8}" y="${fmt(py(v) + 4)}" font-size="${size}" text-anchor="end">${tickLabel(v)}</text>`)
    }
  }
  // +-10% band and y = x.
  const band = [`${fmt(px(lo))},${fmt(py(lo * 1.1))}`, `${fmt(px(hi))},${fmt(py(hi * 1.1))}`, `${fmt(px(hi))},${fmt(py(hi * 0.9))}`, `${fmt(px(lo))},${fmt(py(lo * 0.9))}`]
  out.push(`<polygon points="${band.join(' ')}" fill="#888" fill-opacity="0.25" clip-path="url(#area)"/>`)
  out.push(`<line x1="${fmt(px(lo))}" y1="${fmt(py(lo))}" x2="${fmt(px(hi))}" y2="${fmt(py(hi))}" stroke="#444" stroke-dasharray="6 4"/>`)
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${MARGIN.left + w / 2}" y="${SIZE - 22}" font-size="14" text-anchor="middle">actual (measured; tokens/GPU/s or ms)</text>`)
  out.push(`<text transform="translate(22 ${MARGIN.top + h / 2}) rotate(-90)" font-size="14" text-anchor="middle">simulated (same unit)</text>`)
  // Points and labels.
  const profiles = [...new Set(ok.map((o) => o.profile))]
  const labelled = new Set<string>()
  const placed: Box[] = []
  for (const o of ok) {
    const colour = PHASE_COLOURS[o.phase] ?? OTHER_COLOUR
    const x = px(o.actual)
    const y = py(o.simulated!)
    out.push(`<g><title>${esc(`${o.profile} ${o.id}: actual ${o.actual}, simulated ${o.simulated!.toFixed(2)} (${o.error_pct!.toFixed(1)}%)`)}</title>${marker(o.profile, profiles, x, y, colour)}</g>`)
    // One label per row id (at its first profile's point), on the left near the right edge.
    if (labelled.has(o.id)) continue
    labelled.add(o.id)
    const right = x > MARGIN.left + 0.7 * w
    const x0 = right ? x - 7 - labelWidth(o.id) : x + 7
    const ly = placeLabel(placed, x0, x0 + labelWidth(o.id), y - 5)
    out.push(`<text x="${fmt(right ? x - 7 : x + 7)}" y="${fmt(ly)}" font-size="8" fill="${colour}" text-anchor="${right ? 'end' : 'start'}">${esc(o.id)}</text>`)
  }
  // Legend.
  const legend: string[] = []
  let ly = MARGIN.top + 16
  const lx = MARGIN.left + 14
  for (const phase of [...new Set(ok.map((o) => o.phase))]) {
    legend.push(`<circle cx="${lx}" cy="${ly - 4}" r="5" fill="${PHASE_COLOURS[phase] ?? OTHER_COLOUR}"/><text x="${lx + 12}" y="${ly}" font-size="13">${esc(phase)}</text>`)
    ly += 18
  }
  profiles.forEach((p, i) => {
    legend.push(`${marker(p, profiles, lx, ly - 4, '#333')}<text x="${lx + 12}" y="${ly}" font-size="13">profile ${esc(p)}${i === 0 ? ' (filled, labelled)' : ' (hollow)'}</text>`)
    ly += 18
  })
  legend.push(`<line x1="${lx - 6}" y1="${ly - 4}" x2="${lx + 6}" y2="${ly - 4}" stroke="#444" stroke-dasharray="4 2"/><text x="${lx + 12}" y="${ly}" font-size="13">y = x; band: +-10%</text>`)
  out.push(`<rect x="${MARGIN.left + 4}" y="${MARGIN.top + 2}" width="230" height="${ly - MARGIN.top + 6}" fill="#fff" fill-opacity="0.85" stroke="#bbb"/>`)
  out.push(...legend)
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
