/**
 * Nelder-Mead minimisation of a function of a few unbounded variables (the
 * engine fit maps each bounded parameter onto the real line first).
 */
export interface MinimizeOptions {
  maxEvaluations: number
  /** Initial simplex step per variable. */
  step: number
  /** Stop when the simplex's values differ by less than this. */
  tolerance: number
}

export interface Minimum {
  x: number[]
  value: number
  evaluations: number
}

export function nelderMead(f: (x: number[]) => number, start: number[], opts: MinimizeOptions): Minimum {
  const n = start.length
  let evaluations = 0
  const evalAt = (x: number[]) => {
    evaluations++
    const v = f(x)
    return Number.isFinite(v) ? v : Number.MAX_VALUE
  }
  let simplex = [start.slice()]
  for (let i = 0; i < n; i++) {
    const p = start.slice()
    p[i] += opts.step
    simplex.push(p)
  }
  let values = simplex.map(evalAt)
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai))
  while (evaluations < opts.maxEvaluations) {
    const order = values.map((v, i) => i).sort((i, j) => values[i] - values[j])
    simplex = order.map((i) => simplex[i])
    values = order.map((i) => values[i])
    if (values[n] - values[0] <= opts.tolerance) break
    const centroid = new Array(n).fill(0)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n
    const worst = simplex[n]
    const reflected = combine(centroid, worst, -1)
    const fr = evalAt(reflected)
    if (fr < values[0]) {
      const expanded = combine(centroid, worst, -2)
      const fe = evalAt(expanded)
      if (fe < fr) [simplex[n], values[n]] = [expanded, fe]
      else [simplex[n], values[n]] = [reflected, fr]
    } else if (fr < values[n - 1]) {
      ;[simplex[n], values[n]] = [reflected, fr]
    } else {
      const outside = fr < values[n]
      const contracted = combine(centroid, worst, outside ? -0.5 : 0.5)
      const fc = evalAt(contracted)
      if (fc < (outside ? fr : values[n])) [simplex[n], values[n]] = [contracted, fc]
      else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = combine(simplex[0], simplex[i], 0.5)
          values[i] = evalAt(simplex[i])
        }
      }
    }
  }
  let best = 0
  for (let i = 1; i <= n; i++) if (values[i] < values[best]) best = i
  return {x: simplex[best], value: values[best], evaluations}
}
