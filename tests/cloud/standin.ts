import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

/**
 * A stand-in for the `pulumi` CLI (there is no engine on these machines): a
 * POSIX sh script in `<root>/bin/pulumi` that logs every call (arguments and
 * the variables lastmile passes) and answers the way the real CLI does for
 * the commands the Automation API runs. Behaviour switches are files in root:
 * `no-stack` (stack select fails: no stack named … found), `locked` (up fails
 * with the file backend's lock message), `fail` (up fails with a resource error).
 */
export interface StandIn {
  root: string
  /** Each call: the command line, then `env …` with the variables it saw. */
  calls(): Promise<string[]>
  set(flag: 'no-stack' | 'locked' | 'fail'): Promise<void>
}

const OUTPUTS = JSON.stringify({
  hubEndpoint: 'hub.from-stack.example.cn:51820',
  hubPublicKey: 'VrH4jF1jfrkiRBJEoQMNbPFpMv+ksKPrtumRcqZWVc4=',
  portalUrl: 'http://portal.from-stack.example.cn/',
  monitoringAddress: '10.100.30.10',
  stationCount: 2,
})
const HISTORY = JSON.stringify([{ version: 1, kind: 'update', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-01T00:00:01Z', message: '', environment: {}, config: {}, result: 'succeeded', resourceChanges: { create: 38 } }])
const SUMMARY = JSON.stringify({ sequence: 1, timestamp: 1, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { create: 38 }, policyPacks: {} } })

export async function makeStandIn(): Promise<StandIn> {
  const root = await mkdtemp(path.join(tmpdir(), 'lastmile-pulumi-'))
  await mkdir(path.join(root, 'bin'))
  const log = path.join(root, 'calls.log')
  const script = `#!/bin/sh
log='${log}'
dir='${root}'
printf '%s\\n' "$*" >> "$log"
printf 'env PULUMI_BACKEND_URL=%s LASTMILE_INVENTORY=%s PASSPHRASE_SET=%s\\n' "$PULUMI_BACKEND_URL" "$LASTMILE_INVENTORY" "\${PULUMI_CONFIG_PASSPHRASE+yes}" >> "$log"
evlog=''
prev=''
for a in "$@"; do
  if [ "$prev" = '--event-log' ]; then evlog="$a"; fi
  prev="$a"
done
case "$1" in
  version) echo 'v3.200.0' ;;
  stack)
    case "$2" in
      select) if [ -e "$dir/no-stack" ]; then echo "error: no stack named 'lab' found" >&2; exit 255; fi ;;
      init) rm -f "$dir/no-stack" ;;
      output) echo '${OUTPUTS}' ;;
      history) echo '${HISTORY}' ;;
    esac ;;
  preview)
    echo 'Previewing update (lab):'
    echo ' +  kubernetes:core/v1:Namespace town-feilaixia create'
    if [ -n "$evlog" ]; then echo '${SUMMARY}' >> "$evlog"; fi ;;
  up)
    if [ -e "$dir/locked" ]; then echo 'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.' >&2; exit 255; fi
    if [ -e "$dir/fail" ]; then echo 'error: update failed: Namespace town-feilaixia: the server could not find the requested resource' >&2; exit 255; fi
    echo 'Updating (lab):'
    echo 'Resources: + 38 created' ;;
  destroy|refresh) echo "$1 done" ;;
esac
exit 0
`
  const bin = path.join(root, 'bin', 'pulumi')
  await writeFile(bin, script)
  await chmod(bin, 0o755)
  return {
    root,
    calls: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    set: async (flag) => writeFile(path.join(root, flag), ''),
  }
}
