/*
 * Entry point of the detached lab daemon: `node dist/lab/daemon.js <labDir>`
 * (or `node --import tsx src/lab/daemon.ts <labDir>` from a source checkout).
 * Started by `lastmile lab up`, stopped by `lastmile lab down` (SIGTERM).
 * stdout/stderr go to <labDir>/lab.log.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { LabDaemon } from './daemon-core.js'
import { createLabLog } from './log.js'
import { DAEMON_MARKER } from './launch.js'
import { labFiles, type LabPlan } from './plan.js'

async function main(): Promise<void> {
  const labDir = process.argv.find((a, i) => i >= 2 && !a.startsWith('-') && a !== DAEMON_MARKER)
  if (!labDir) {
    process.stderr.write('usage: daemon.js <labDir>\n')
    process.exit(2)
  }
  const files = labFiles(labDir)
  const log = createLabLog((line) => process.stdout.write(line), { debug: process.env.LASTMILE_LAB_DEBUG === '1' })
  await writeFile(files.pid, `${process.pid}\n`)
  const plan = JSON.parse(await readFile(files.plan, 'utf8')) as LabPlan
  log.info(`lab daemon ${process.pid}: ${plan.stations.length} stations, shell ${plan.shell.name}, port ${plan.port || 'free per station'}`)
  const daemon = new LabDaemon(plan, { log })

  let stopping = false
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return
    stopping = true
    log.info(`${signal}: stopping`)
    try {
      const { killed } = await daemon.stop()
      log.info(`stopped (${killed} station processes killed)`)
    } catch (err) {
      log.error(`stopping: ${(err as Error).message}`)
    }
    await rm(files.pid, { force: true })
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGHUP', () => undefined)
  // One station's bad connection must not take 1,000 stations down: log and keep serving.
  process.on('uncaughtException', (err) => log.error(`uncaught: ${err.stack ?? err.message}`))
  process.on('unhandledRejection', (err) => log.error(`unhandled: ${(err as Error)?.stack ?? String(err)}`))

  try {
    await daemon.start()
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`)
    await daemon.stop().catch(() => undefined)
    await rm(files.pid, { force: true })
    process.exit(1)
  }
}

void main()
