/** Least squares with an optional ridge penalty per coefficient, by the normal equations. */

/** Solves A x = b by Gaussian elimination with partial pivoting; A is square. */
export function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i]])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r
    if (Math.abs(m[pivot][col]) < 1e-12) throw new Error('singular system')
    ;[m[col], m[pivot]] = [m[pivot], m[col]]
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const f = m[r][col] / m[col][col]
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c]
    }
  }
  return m.map((row, i) => row[n] / row[i])
}

/**
 * Minimizes |y - X beta|^2 + sum_j penalty[j] * beta_j^2.
 * A small penalty on every column keeps the system solvable when a column is all zero.
 */
export function ridgeFit(x: readonly number[][], y: readonly number[], penalty: readonly number[]): number[] {
  const p = penalty.length
  const xtx = Array.from({length: p}, () => new Array<number>(p).fill(0))
  const xty = new Array<number>(p).fill(0)
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < p; j++) {
      xty[j] += x[i][j] * y[i]
      for (let k = 0; k < p; k++) xtx[j][k] += x[i][j] * x[i][k]
    }
  }
  for (let j = 0; j < p; j++) xtx[j][j] += penalty[j]
  return solveLinear(xtx, xty)
}
