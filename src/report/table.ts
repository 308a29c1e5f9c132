/** Plain-text tables for listings (models, gpus, tables, calibrate). */
export function renderTable(headers: string[], rows: (string | number)[][], alignRight: number[] = []): string {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const fmt = (r: string[]) =>
    r.map((c, i) => (alignRight.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n')
}
