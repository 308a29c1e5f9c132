// How often `infersim sweep --serving` would have picked the measured best deployment (issue 18 acceptance).
// For each group of measured serving runs (model, GPU, GPU count, engine, ISL/OSL) of a measurements CSV:
// targets at the measured best run's own mean TTFT and TPOT, a serving sweep restricted to that model, GPU
// count, engine, weight and KV format; a hit when the measured best's layout is in the sweep's top N.
//
//   node scripts/serving-hit-rate.mjs --file calibration/serving-h100.csv [--file more.csv] [--top 5] [--slack 0.1] [--only qwen3-32b] [--json]
//
// Needs a build (npm run build): it runs the compiled library in dist/.
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const {values} = parseArgs({
  options: {
    file: {type: 'string', multiple: true},
    top: {type: 'string', default: '5'},
    slack: {type: 'string', default: '0'},
    only: {type: 'string', multiple: true},
    json: {type: 'boolean', default: false},
  },
})
if (!values.file?.length) {
  console.error('usage: node scripts/serving-hit-rate.mjs --file MEASUREMENTS.csv [--file ...] [--top 5] [--slack 0] [--only TEXT] [--json]')
  process.exit(2)
}
const top = Number(values.top)
const slack = Number(values.slack)
if (!(Number.isInteger(top) && top > 0) || !(slack >= 0)) {
  console.error('--top must be a positive whole number and --slack a number >= 0')
  process.exit(2)
}
const {hitRate} = await import(path.join(root, 'dist', 'sweep', 'serving', 'hit-rate.js'))
const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-')
const reports = []
for (const file of values.file) {
  const started = performance.now()
  const report = await hitRate({
    file,
    top,
    slack,
    only: values.only,
    onGroup: values.json
      ? undefined
      : (g) => {
          const b = g.best
          const where = g.rank ? ` (rank ${g.rank}, sweep c${g.predictedConcurrency})` : ''
          console.log(`${g.verdict.padEnd(7)} ${g.group}: best TP${b.tp}${b.moeEp > 1 ? ` EP${b.moeEp}` : ''} c${b.concurrency} TTFT ${b.ttftMs.toFixed(0)} ms TPOT ${b.tpotMs.toFixed(2)} ms ${b.tgs.toFixed(0)} tok/GPU/s${where}${g.detail ? `: ${g.detail}` : ''}`)
          if (g.top.length) console.log(`        top ${top}: ${g.top.join(' | ')}`)
        },
  })
  report.seconds = (performance.now() - started) / 1000
  reports.push(report)
  if (!values.json) {
    const by = (v) => report.groups.filter((g) => g.verdict === v).length
    console.log(
      `${file}: ${report.hits} hits of ${report.judged} groups judged = ${pct(report.hits, report.judged)} (top ${top}, slack ${slack}; ` +
        `a random order of the same deployments: ${(100 * report.randomBaseline).toFixed(1)}%); ranked first: ${pct(report.firsts, report.judged)} (random: ${(100 * report.randomFirstBaseline).toFixed(1)}%); ` +
        `sweep concurrency / measured, median: ${report.medianConcurrencyRatio?.toFixed(2) ?? '-'}; ` +
        `groups with several measured layouts: ${report.multiLayoutGroups}, where the sweep orders the measured best first among them: ${pct(report.multiLayoutAgree, report.multiLayoutGroups)}; ` +
        `${by('miss')} misses, ${by('nothing')} with nothing meeting the targets; ${by('outside')} outside the sweep's space and ${by('error')} errors not judged; ${report.seconds.toFixed(1)} s\n`,
    )
  }
}
if (values.json) console.log(JSON.stringify(reports, null, 2))
