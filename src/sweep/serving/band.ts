/** Error bands in the serving sweep: the serving model's bands (src/serving/accuracy.ts), ties within them, and their text. */
import {bandsOf, type FigureBands} from '../../serving/accuracy.js'

export {bandsOf, type FigureBands}

export const NO_BAND = 'no error band (engine not cross-validated)'

/** Whether two throughputs are closer than the wider of their bands (undefined bands are not known, so they say nothing). */
export function withinBand(a: {tgs: number; band?: FigureBands}, b: {tgs: number; band?: FigureBands}): boolean {
  const band = Math.max(a.band?.tgs ?? 0, b.band?.tgs ?? 0)
  if (!a.band && !b.band) return false
  const hi = Math.max(a.tgs, b.tgs)
  return hi > 0 && (hi - Math.min(a.tgs, b.tgs)) / hi <= band
}

/** "±12%" or the reason there is none. */
export const bandText = (rel: number | undefined) => (rel === undefined ? '' : `±${(rel * 100).toFixed(rel < 0.1 ? 1 : 0)}%`)
