/**
 * --plot FILE.svg with --serving: one log-log panel of output tokens/GPU/s
 * against tokens/s per user. Each engine's aggregated frontier is a coloured
 * line (with its error band as bars where the engine is cross-validated), the
 * disaggregated frontier a dashed black line, the evaluated loads faint dots
 * (hollow when they miss a target; an even sample beyond 20,000), the TPOT
 * target a dashed vertical line. Hand-written SVG.
 */
import {COLOURS, esc, f1, logRange, tickLabel, ticks} from '../plot.js'
import type {StoredPoint} from './csv.js'
import type {ServingSweepResult} from './result.js'
import type {ServingLayout} from './types.js'

const W = 980
const H = 640
const M = {left: 84, right: 28, top: 70, bottom: 110}
const MAX_DOTS = 20_000

export function renderServingPlot(result: ServingSweepResult, points: readonly StoredPoint[], layouts: readonly ServingLayout[]): string {
  const stride = Math.max(1, Math.ceil(points.length / MAX_DOTS))
  const dots = points.filter((_, i) => i % stride === 0)
  const frontiers = result.frontiers
  const xs = [...dots.map((d) => 1000 / d.point.tpotMs), ...frontiers.flatMap((f) => f.points.map((p) => p.figures.userTps))]
  const ys = [...dots.map((d) => d.plan?.tgs ?? d.point.tgs), ...frontiers.flatMap((f) => f.points.map((p) => p.figures.tgs))]
  const t = result.targets
  if (t.tpotMaxMs !== undefined) xs.push(1000 / t.tpotMaxMs)
  const ax = logRange(xs)
  const ay = logRange(ys)
  const w = W - M.left - M.right
  const h = H - M.top - M.bottom
  const px = (v: number) => M.left + ((Math.log10(v) - ax.lo) / (ax.hi - ax.lo)) * w
  const py = (v: number) => M.top + h - ((Math.log10(v) - ay.lo) / (ay.hi - ay.lo)) * h
  const colour = (engine: number) => COLOURS[engine % COLOURS.length]
  const engineIndex = new Map(result.engines.map((e, i) => [e.name, i]))
  const targets = [t.ttftMaxMs !== undefined && `TTFT <= ${t.ttftMaxMs} ms`, t.tpotMaxMs !== undefined && `TPOT <= ${t.tpotMaxMs} ms`, t.requestRate !== undefined && `${t.requestRate} requests/s`, t.concurrency !== undefined && `${t.concurrency} concurrent`].filter(Boolean)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="28" font-size="17" text-anchor="middle">${esc(`${result.model} on ${result.gpus.join(', ')} (${result.space.minGpus}-${result.space.maxGpus} GPUs): ISL ${t.isl}, OSL ${t.osl}`)}</text>`,
    `<text x="${W / 2}" y="50" font-size="12" text-anchor="middle" fill="#555">${esc(`frontiers within ${targets.length ? targets.join(', ') : 'no targets'}; ${points.length.toLocaleString('en-US')} evaluated loads${stride > 1 ? ` (every ${stride}th shown)` : ''}`)}</text>`,
    `<clipPath id="area"><rect x="${M.left}" y="${M.top}" width="${w}" height="${h}"/></clipPath>`,
  ]
  for (const v of ticks(ax)) out.push(`<line x1="${f1(px(v))}" y1="${M.top}" x2="${f1(px(v))}" y2="${M.top + h}" stroke="#e4e4e4"/>`, `<text x="${f1(px(v))}" y="${M.top + h + 18}" font-size="11" text-anchor="middle">${tickLabel(v)}</text>`)
  for (const v of ticks(ay)) out.push(`<line x1="${M.left}" y1="${f1(py(v))}" x2="${M.left + w}" y2="${f1(py(v))}" stroke="#e4e4e4"/>`, `<text x="${M.left - 8}" y="${f1(py(v))}" font-size="11" text-anchor="end" dominant-baseline="middle">${tickLabel(v)}</text>`)
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`,
    `<text x="${M.left + w / 2}" y="${M.top + h + 44}" font-size="13" text-anchor="middle">tokens/s per user (1000 / TPOT ms)</text>`,
    `<text transform="translate(22 ${M.top + h / 2}) rotate(-90)" font-size="13" text-anchor="middle">output tokens/GPU/s</text>`,
    '<g clip-path="url(#area)">',
  )
  for (const d of dots) {
    const [x, y] = [f1(px(1000 / d.point.tpotMs)), f1(py(d.plan?.tgs ?? d.point.tgs))]
    out.push(d.meets ? `<circle cx="${x}" cy="${y}" r="2" fill="${colour(layouts[d.point.layout].engine)}" fill-opacity="0.3"/>` : `<circle cx="${x}" cy="${y}" r="2" fill="none" stroke="#aaa" stroke-opacity="0.5" stroke-width="0.6"/>`)
  }
  if (t.tpotMaxMs !== undefined) out.push(`<line x1="${f1(px(1000 / t.tpotMaxMs))}" y1="${M.top}" x2="${f1(px(1000 / t.tpotMaxMs))}" y2="${M.top + h}" stroke="#000" stroke-width="1.4" stroke-dasharray="6 4"/>`)
  for (const f of frontiers) {
    const c = f.engine === undefined ? '#111' : colour(engineIndex.get(f.engine) ?? 0)
    const pts = [...f.points].sort((a, b) => a.figures.userTps - b.figures.userTps)
    if (pts.length > 1) out.push(`<path d="${pts.map((p, i) => `${i ? 'L' : 'M'}${f1(px(p.figures.userTps))},${f1(py(p.figures.tgs))}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"${f.mode === 'disaggregated' ? ' stroke-dasharray="7 4"' : ''}/>`)
    for (const p of pts) {
      const [x, y] = [px(p.figures.userTps), py(p.figures.tgs)]
      const band = p.figures.band?.tgs
      if (band !== undefined) out.push(`<line x1="${f1(x)}" y1="${f1(py(p.figures.tgs * (1 + band)))}" x2="${f1(x)}" y2="${f1(py(p.figures.tgs * Math.max(1e-9, 1 - band)))}" stroke="${c}" stroke-opacity="0.45" stroke-width="1.2"/>`)
      out.push(f.mode === 'disaggregated' ? `<rect x="${f1(x - 3)}" y="${f1(y - 3)}" width="6" height="6" fill="#111"/>` : `<circle cx="${f1(x)}" cy="${f1(y)}" r="3.4" fill="${c}"/>`)
    }
  }
  out.push('</g>')
  // Legend, two rows under the axis label.
  let lx = M.left
  let ly = M.top + h + 70
  const item = (swatch: string, label: string) => {
    const width = 22 + label.length * 6.6 + 22
    if (lx + width > W - M.right) {
      lx = M.left
      ly += 20
    }
    out.push(swatch.replaceAll('@X', f1(lx)).replaceAll('@Y', f1(ly)), `<text x="${f1(lx + 18)}" y="${f1(ly + 4)}" font-size="12">${esc(label)}</text>`)
    lx += width
  }
  result.engines.forEach((e, i) => item(`<line x1="@X" y1="@Y" x2="${f1(lx + 12)}" y2="@Y" stroke="${colour(i)}" stroke-width="3"/>`, `${e.title} ${e.version} aggregated${e.accuracy ? ' (bars: error band)' : ' (no error band)'}`))
  if (frontiers.some((f) => f.mode === 'disaggregated')) item(`<line x1="@X" y1="@Y" x2="${f1(lx + 12)}" y2="@Y" stroke="#111" stroke-width="2" stroke-dasharray="5 3"/>`, 'disaggregated (phase model)')
  item(`<circle cx="${f1(lx + 5)}" cy="@Y" r="3" fill="none" stroke="#aaa"/>`, 'misses a target')
  if (t.tpotMaxMs !== undefined) item(`<line x1="${f1(lx + 5)}" y1="${f1(ly - 6)}" x2="${f1(lx + 5)}" y2="${f1(ly + 6)}" stroke="#000" stroke-dasharray="3 2"/>`, `TPOT ${t.tpotMaxMs} ms`)
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
