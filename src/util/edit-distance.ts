/**
 * Edit distance (insertions, deletions, substitutions), case-insensitive:
 * how far a misspelt name is from a known one, for "did you mean".
 * @example editDistance('simulte', 'simulate') // 1
 * @example editDistance('Tp', 'tp') // 0
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let prev = Array.from({length: y.length + 1}, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const row = [i]
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[y.length]
}
