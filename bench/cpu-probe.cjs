// Loaded with `node --require` by the benchmarks: reports the process's CPU time (all threads) on stderr at exit.
// A plain write to fd 2: creating process.stderr's stream would cost the probed process milliseconds, and
// the same added to a bare node and to infersim would flatter their ratio.
const {writeSync} = require('node:fs')
process.on('exit', () => {
  const u = process.cpuUsage()
  writeSync(2, `\nBENCH_CPU_MS ${(u.user + u.system) / 1000}\n`)
})
