// Loaded with `node --require` by the benchmarks: reports the process's CPU time (all threads) on stderr at exit.
process.on('exit', () => {
  const u = process.cpuUsage()
  process.stderr.write(`\nBENCH_CPU_MS ${(u.user + u.system) / 1000}\n`)
})
