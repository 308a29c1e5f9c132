/** oclif conventions: `infersim help [COMMAND]`, -h on every command, and unknown commands as JSON errors under --json. */
import {run} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {ROOT, runBin, runCli} from '../helpers/cli.js'

/** The CLI's own entry (help flags are handled there, before any command runs), in-process with captured output. */
async function runMain(argv: string[]): Promise<{stdout: string; stderr: string}> {
  let stdout = ''
  let stderr = ''
  const outWrite = process.stdout.write.bind(process.stdout)
  const errWrite = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += c.toString()), true)) as typeof process.stdout.write
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += c.toString()), true)) as typeof process.stderr.write
  try {
    await run(argv, ROOT)
  } finally {
    process.stdout.write = outWrite
    process.stderr.write = errWrite
  }
  return {stdout, stderr}
}

const COMMANDS = ['calibrate', 'gpus', 'ingest', 'mfu', 'models', 'simulate', 'sweep', 'tables', 'tables score']

describe('help', () => {
  it('infersim help lists the commands', async () => {
    const r = await runCli(['help'])
    expect(r.exitCode).toBe(0)
    for (const c of ['simulate', 'sweep', 'calibrate', 'ingest']) expect(r.stdout).toContain(c)
  })

  it('infersim help simulate and help tables score show that command', async () => {
    const sim = await runCli(['help', 'simulate'])
    expect(sim.exitCode).toBe(0)
    expect(sim.stdout).toMatch(/Predict TTFT, TPOT and tokens\/GPU\/s of one deployment/)
    expect(sim.stdout).toMatch(/--world-size/)
    const score = await runCli(['help', 'tables', 'score'])
    expect(score.stdout).toMatch(/Leave-one-out score of the MFU lookups/)
  })

  it('infersim help on an unknown command is a usage error naming the nearest one', async () => {
    const r = await runCli(['help', 'simulat'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/unknown command "simulat" \(did you mean "simulate"\?\)/)
  })

  it.each(COMMANDS)('%s -h shows its help', async (command) => {
    const r = await runMain([...command.split(' '), '-h'])
    expect(r.stdout).toMatch(/USAGE/)
    expect(r.stdout).toContain(`$ infersim ${command}`)
    expect(r.stderr).not.toMatch(/Nonexistent flag/)
  })
})

describe('unknown commands', () => {
  it('nosuchcmd --json: a JSON error and exit 2', async () => {
    const r = await runCli(['nosuchcmd', '--json'])
    expect(r.exitCode).toBe(2)
    const {error} = JSON.parse(r.stdout)
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/unknown command "nosuchcmd"\. Commands: calibrate, .*simulate/)
  })

  it('a real process: text error on stderr, exit 2; JSON on stdout with --json', async () => {
    const text = await runBin(['simulat'])
    expect(text.exitCode).toBe(2)
    expect(text.stderr).toMatch(/Error: unknown command "simulat" \(did you mean "simulate"\?\)/)
    const json = await runBin(['nosuchcmd', '--json'])
    expect(json.exitCode).toBe(2)
    expect(JSON.parse(json.stdout).error.exitCode).toBe(2)
  })
})
