/**
 * Python-compatible decimal rounding. JS's toFixed rounds exact binary ties
 * away from zero; Python's round() and format() round them to even. Parity
 * with the reference's printed digits needs Python's behaviour.
 */
export function pyRound(x: number, digits: number): number {
  return Number(pyFixed(x, digits))
}

/** Same as Python's f"{x:.{digits}f}". */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan'
  if (Math.abs(x) >= 1e21) return x.toFixed(digits)
  const exact = Math.abs(x).toFixed(100)
  const dot = exact.indexOf('.')
  const tail = exact.slice(dot + 1 + digits)
  const isTie = tail[0] === '5' && /^50*$/.test(tail)
  if (!isTie) return x.toFixed(digits)
  const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '')
  const lastDigit = Number(kept[kept.length - 1] === '.' ? 0 : kept[kept.length - 1])
  const down = (x < 0 ? '-' : '') + kept
  if (lastDigit % 2 === 0) return Number(down) === 0 ? down.replace('-', '') : down
  // Round away from zero: bump the magnitude by one unit in the last place.
  const unit = digits > 0 ? Number(`1e-${digits}`) : 1
  return (Math.sign(x) * (Number(kept) + unit)).toFixed(digits)
}
