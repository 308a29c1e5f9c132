/** Text view of one MFU lookup (`infersim mfu`): value, provenance, the rows behind it. */
import type {KernelLookup} from '../tables/interpolate/query.js'

export function renderMfuLookup(title: string, r: KernelLookup): string {
  const m = r.mfu
  const out = [title, `MFU      ${m.value.toPrecision(4)}`, `kind     ${m.kind}`]
  out.push(`table    ${m.table ?? `none (${r.path} asked)`}`)
  if (m.table && m.table !== r.path) out.push(`asked    ${r.path}`)
  if (m.note) out.push(`note     ${m.note}`)
  if (r.rows.length > 0) {
    out.push(`rows     ${r.rows.length} used`)
    for (const row of r.rows) {
      const cells = Object.entries(row.values).map(([k, v]) => `${k}=${v}`)
      out.push(`  line ${String(row.line).padEnd(5)} ${cells.join(' ')}`)
    }
  }
  for (const w of r.warnings) out.push(`warning: ${w.message}`)
  return out.join('\n')
}
