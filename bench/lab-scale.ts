/*
 * Lab scale check (not a test): starts the lab with 152 and with 1,000 stations,
 * prints startup time and the daemon's resident memory (idle, and after one SSH
 * session to every station), then stops it.
 *
 *   npx tsx bench/lab-scale.ts [--inventory DIR] [--sizes 152,1000] [--from dist|src] [--no-connect]
 *
 * --from dist (the default when dist/lab exists; run `npm run build` first) measures the
 * daemon as users run it; --from src runs it under tsx, which costs extra memory.
 * Stations beyond the inventory are synthesized (`lab up --stations N`).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ssh2 from 'ssh2'
import type * as Service from '../src/lab/service.js'
import type { LabStation, LabTarget } from '../src/lab/target.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const inventoryDir = arg('inventory') ?? (existsSync(path.join(repo, 'inventory/qingcheng')) ? path.join(repo, 'inventory/qingcheng') : path.join(repo, 'tests/fixtures/inventory-mini'))
const sizes = (arg('sizes') ?? '152,1000').split(',').map(Number)
const from = arg('from') ?? (existsSync(path.join(repo, 'dist/lab/service.js')) ? 'dist' : 'src')
const connectAll = !process.argv.includes('--no-connect')

const service = (await import(pathToFileURL(path.join(repo, from === 'dist' ? 'dist/lab/service.js' : 'src/lab/service.ts')).href)) as typeof Service

async function rss(pid: number): Promise<number> {
  const m = /^VmRSS:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0)
}

/** One session per station (`echo ok`), at most `limit` at once. Returns failures. */
async function touchAll(stations: LabStation[], key: string, limit: number): Promise<number> {
  let failures = 0
  let next = 0
  const one = (st: LabStation) =>
    new Promise<void>((resolve) => {
      const c = new ssh2.Client()
      const done = (ok: boolean) => {
        if (!ok) failures++
        c.end()
        resolve()
      }
      c.on('error', () => done(false))
      c.on('ready', () =>
        c.exec('echo ok', (err, s) => {
          if (err) return done(false)
          let out = ''
          s.on('data', (d: Buffer) => (out += d))
          s.on('close', () => done(out === 'ok\n'))
        }),
      )
      c.connect({ host: st.host, port: st.port, username: 'root', privateKey: key, readyTimeout: 60_000, hostVerifier: () => true })
    })
  const worker = async () => {
    while (next < stations.length) await one(stations[next++] as LabStation)
  }
  await Promise.all(Array.from({ length: Math.min(limit, stations.length) }, worker))
  return failures
}

console.log(`lab scale check: inventory ${path.relative(repo, inventoryDir)}, daemon from ${from}, node ${process.version}, load average ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`)
const rows: string[][] = [['stations', 'synthesized', 'lab up (s)', 'daemon ready (s)', 'RSS idle (MB)', 'all sessions (s)', 'RSS after (MB)', 'failures']]
for (const n of sizes) {
  const home = await mkdtemp(path.join(tmpdir(), 'lastmile-lab-scale-'))
  try {
    const t0 = performance.now()
    const up = await service.startLab({ home, inventoryDir, stations: n, port: 0 })
    const startup = (performance.now() - t0) / 1000
    await new Promise((r) => setTimeout(r, 1000))
    const idle = await rss(up.pid)
    // The daemon's own part of the start-up: from its start to every listener up (lab.log).
    const ready = /ready: .* \((\d+) ms after start\)/.exec(await readFile(up.logFile, 'utf8'))?.[1]
    let sessions = '-'
    let after = '-'
    let failures = '-'
    if (connectAll) {
      const target = JSON.parse(await readFile(up.targetFile, 'utf8')) as LabTarget
      const key = await readFile(target.operatorKey, 'utf8')
      const t1 = performance.now()
      failures = String(await touchAll(target.stations, key, 50))
      sessions = ((performance.now() - t1) / 1000).toFixed(1)
      after = (await rss(up.pid) / 1024).toFixed(1)
    }
    rows.push([String(n), String(up.synthesized), startup.toFixed(1), ready ? (Number(ready) / 1000).toFixed(2) : '?', (idle / 1024).toFixed(1), sessions, after, failures])
  } finally {
    await service.stopLab({ home, purge: true })
    await rm(home, { recursive: true, force: true })
  }
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i] ?? 0)).join('  '))
