import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { UsageError } from '../cli/errors.js'

/**
 * What `lastmile lab up` writes and every `--lab` command reads: where each
 * simulated station listens, its pinned host key, and the operator key that
 * the lab's stations accept. The lab is a target like any other: commands
 * connect to it through the same SSH transport as to real stations.
 */
export interface LabStation {
  id: string
  host: string
  port: number
  user: string
  /** SHA256:… fingerprint of the station's host key, as OpenSSH prints it. */
  hostKey: string
  /** The station's root directory on this machine (the agent's LASTMILE_ROOT). */
  root: string
  /** Optional, added by the lab daemon: the station's Chinese name. */
  name?: string
  /** Optional: the station's town (NBS code, slug, Chinese name). */
  town?: { code: string; slug: string; name: string }
  /** Optional: the management address from the inventory (what the network stub expects). */
  managementAddress?: string
  /** Optional: true for a station `lab up --stations N` made up beyond the inventory. */
  synthetic?: boolean
}

export interface LabTarget {
  version: 1
  /** pid of the detached lab daemon; `lab down` stops exactly this. */
  pid: number
  startedAt: string
  inventory: string
  /** Private key (OpenSSH format) the lab stations accept, readable only by the owner. */
  operatorKey: string
  stations: LabStation[]
  /** Optional: <home>/lab (station roots under stations/). */
  labDir?: string
  /** Optional: the shell stations run commands with (busybox, dash or sh). */
  shell?: string
  /** Optional: the faults file the daemon follows (`lab fault set/clear`). */
  faultsFile?: string
  /** Optional: the daemon's log. */
  logFile?: string
}

/**
 * The inventory a command under --lab works on: the running lab's (the one its stations were
 * made from, synthesized stations included), unless the user gave one with --inventory or
 * LASTMILE_INVENTORY. One rule for push, rollout, plan, status, health and report, so they all
 * talk about the same stations.
 */
export function inventoryUnderLab(lab: Pick<LabTarget, 'inventory'> | undefined, inventoryDir: string, inventoryGiven: boolean | undefined): string {
  return lab && !inventoryGiven ? lab.inventory : inventoryDir
}

export function labDir(home: string): string {
  return path.join(home, 'lab')
}

export function labTargetPath(home: string): string {
  return path.join(labDir(home), 'target.json')
}

export async function readLabTarget(home: string): Promise<LabTarget> {
  const file = labTargetPath(home)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new UsageError(`no lab is running (${file} not found)`, 'Start one with `lastmile lab up`, or leave out --lab to target the real stations.')
  }
  return JSON.parse(text) as LabTarget
}
