import { existsSync } from 'node:fs'
import { UsageError } from '../cli/errors.js'

/** The shell a lab station runs commands with (what `sh` is on that station). */
export interface ShellSpec {
  name: ShellName
  /** Program to start, e.g. /usr/bin/busybox. */
  file: string
  /** Arguments before `-c <command>`, e.g. ['sh'] for busybox. */
  args: string[]
  /**
   * The busybox applets of this shell are put on PATH (before the host's tools),
   * so the agent meets busybox tar/sha256sum/df as on OpenWrt, not GNU's.
   */
  busyboxApplets: boolean
}

export const shellNames = ['busybox', 'dash', 'sh'] as const
export type ShellName = (typeof shellNames)[number]

const candidates: Record<ShellName, string[]> = {
  busybox: ['/usr/bin/busybox', '/bin/busybox'],
  dash: ['/usr/bin/dash', '/bin/dash'],
  sh: ['/bin/sh', '/usr/bin/sh'],
}

/**
 * `--shell` → how to start it. Default: busybox sh (OpenWrt's ash) when busybox
 * is installed, else /bin/sh.
 */
export function resolveShell(name: ShellName | undefined, exists: (p: string) => boolean = existsSync): ShellSpec {
  const wanted: ShellName = name ?? (candidates.busybox.some(exists) ? 'busybox' : 'sh')
  const file = candidates[wanted].find(exists)
  if (!file) {
    throw new UsageError(`--shell ${wanted}: ${candidates[wanted].join(' or ')} not found`, wanted === 'sh' ? 'Install a POSIX shell as /bin/sh.' : `Install it (Debian: apt-get install ${wanted}) or pass another --shell (busybox, dash or sh).`)
  }
  return { name: wanted, file, args: wanted === 'busybox' ? ['sh'] : [], busyboxApplets: wanted === 'busybox' }
}

/** What the agent puts in LASTMILE_SHELL to start its watchdog with the same shell. */
export function shellCommandLine(s: ShellSpec): string {
  return [s.file, ...s.args].join(' ')
}

/**
 * Busybox applets the lab links onto a station's PATH: sh/ash and the file and
 * text tools of OpenWrt's busybox (so `sh script` runs busybox ash, as on a
 * station; a script run by its `#!/bin/sh` line still gets the host's /bin/sh). Deliberately not reboot/halt/poweroff/killall/mount/
 * ifconfig/ip/route/…: those would act on the machine the lab runs on.
 */
export const safeApplets = [
  'sh', 'ash', 'awk', 'basename', 'cat', 'chmod', 'cmp', 'cp', 'cut', 'date', 'dd', 'df', 'dirname', 'du', 'echo', 'egrep', 'env', 'expr',
  'false', 'fgrep', 'find', 'grep', 'gunzip', 'gzip', 'head', 'hexdump', 'id', 'ln', 'ls', 'md5sum', 'mkdir', 'mkfifo', 'mktemp',
  'mv', 'od', 'printf', 'pwd', 'readlink', 'realpath', 'rm', 'rmdir', 'sed', 'seq', 'setsid', 'sha1sum', 'sha256sum', 'sha512sum',
  'sleep', 'sort', 'stat', 'sync', 'tail', 'tar', 'tee', 'test', 'timeout', 'touch', 'tr', 'true', 'uname', 'uniq', 'wc', 'which',
  'xargs', 'yes', 'zcat',
] as const
