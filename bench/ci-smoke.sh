#!/usr/bin/env bash
# CI smoke run of the benchmark harness (called by .ci/run; needs root, sshd,
# ansible-core, GNU time, a built dist/). 16 stations, 0 ms RTT, one repetition,
# the cold phase for lastmile (push --lab) and Ansible (forks 5); then checks that
# both tools left byte-identical files, with the same modes, on every station,
# and that both match lastmile's render. It asserts no timings: the figures are
# written but not judged. Every sshd it starts is stopped by pid, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/lastmile-bench-smoke.XXXXXX)
runner_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # bench/run.ts stops what it started; this is the safety net if it was killed.
  if [ -n "$runner_pid" ] && kill -0 "$runner_pid" 2>/dev/null; then
    kill -TERM "$runner_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$runner_pid" 2>/dev/null || break; sleep 0.2; done
  fi
  for f in "$work"/fleet/stations/*/sshd.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    # only an sshd still running this smoke run's config (a recycled pid is left alone)
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$work/fleet/"; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT INT TERM

if [ ! -f dist/commands/push.js ]; then
  echo "dist/ is not built: run npm run build first" >&2
  exit 1
fi

start=$(date +%s)
results="$work/smoke.raw.json"
BENCH_FIRST_INDEX=${BENCH_FIRST_INDEX:-600} npx tsx bench/run.ts --stations 16 --rtt 0 --reps 1 --tools lastmile,ansible5 --phases cold \
  --work "$work" --out "$results" --timeout 900 &
runner_pid=$!
status=0
wait "$runner_pid" || status=$?
runner_pid=""

node - "$results" <<'NODE'
const fs = require('node:fs')
const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const fail = (msg) => { console.error(`bench smoke: FAIL: ${msg}`); process.exit(1) }
const bad = r.runs.filter((x) => !x.valid)
if (r.runs.length !== 2) fail(`expected 2 runs (lastmile and ansible5 cold), got ${r.runs.length}`)
if (bad.length) fail(bad.map((x) => `${x.tool} ${x.phase}: ${x.why}`).join('; '))
const cross = r.identity.filter((i) => i.against === 'lastmile on the stations')
const render = r.identity.filter((i) => i.against === 'lastmile render')
if (cross.length !== 1 || render.length !== 2) fail(`identity checks missing: ${JSON.stringify(r.identity.map((i) => [i.tool, i.against]))}`)
for (const i of r.identity) {
  if (!i.identical) fail(`${i.tool} vs ${i.against}: ${i.differences.join('; ')}`)
  if (i.stations !== 16 || i.files < 16 * 7) fail(`${i.tool} vs ${i.against}: only ${i.files} files on ${i.stations} stations compared`)
}
console.log(`bench smoke: OK: lastmile and Ansible wrote identical files (${cross[0].files} files, ${cross[0].stations} stations, sha256 and mode), both equal to lastmile's render`)
NODE
[ "$status" -eq 0 ] || { echo "bench smoke: bench/run.ts exited $status" >&2; exit "$status"; }
echo "bench smoke: $(( $(date +%s) - start )) s"
