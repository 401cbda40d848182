import type { Station } from '../model.js'
import type { WanSpec } from '../schema.js'
import type { Findings } from './findings.js'

/** OpenWrt proto per link type: the ONT hands out DHCP or needs PPPoE; ADSL is PPPoE; 4G modems use QMI. */
const PROTOS: Record<WanSpec['type'], ReadonlyArray<WanSpec['proto']>> = {
  fibre: ['dhcp', 'pppoe'],
  adsl: ['pppoe'],
  '4g': ['qmi'],
}

export function checkWan(f: Findings): void {
  for (const s of f.inv.stations) {
    checkLink(f, s)
    checkFibreUpgrade(f, s)
  }
}

function checkLink(f: Findings, s: Station): void {
  const w = s.wan
  const allowed = PROTOS[w.type]
  if (!allowed.includes(w.proto)) {
    f.station(s, ['wan', 'proto'], 'error', 'wan.proto', `a WAN of type ${w.type} cannot use proto ${w.proto}; use ${allowed.join(' or ')}${w.type === 'adsl' ? ' (ADSL always dials PPPoE)' : w.type === '4g' ? ' (the 4G modem is driven over QMI)' : ''}`)
  }
  if (w.proto === 'pppoe' && !w.pppoe) {
    f.station(s, ['wan', 'proto'], 'error', 'wan.pppoe-credentials', `proto pppoe needs credentials: add pppoe: { username: <account from the carrier>, password: { secret: pppoe/${s.id} } }`)
  }
  if (w.proto !== 'pppoe' && w.pppoe) {
    f.station(s, ['wan', 'pppoe'], 'warning', 'wan.pppoe-unused', `pppoe credentials are set but proto is ${w.proto}, so they are not used; remove them or set proto: pppoe`)
  }
  if (w.type === '4g' && !w.apn) {
    f.station(s, ['wan', 'type'], 'warning', 'wan.4g-apn', `a 4G WAN without apn relies on the modem's default; set apn (${apnHint(w.carrier)})`)
  }
  if (w.type !== '4g' && w.apn) {
    f.station(s, ['wan', 'apn'], 'warning', 'wan.apn-unused', `apn is only used by a 4G WAN; this one is ${w.type}: remove it`)
  }
  const b = s.wanBackup
  if (b && w.type === '4g' && b.carrier === w.carrier) {
    f.station(s, ['wanBackup', 'carrier'], 'warning', 'wan.backup-same-carrier', `the 4G backup uses the same carrier (${b.carrier}) as the 4G WAN, so one outage takes both down; use another carrier`)
  }
}

function apnHint(carrier: string): string {
  return carrier === '移动' ? 'cmnet for 移动' : carrier === '联通' ? '3gnet for 联通' : 'ctnet for 电信'
}

/** Dates must tell the same story as the status: planned → started → completed. */
function checkFibreUpgrade(f: Findings, s: Station): void {
  const u = s.fibreUpgrade
  const field = ['fibreUpgrade']
  const err = (sub: string, message: string): void => f.station(s, [...field, sub], 'error', 'fibre.dates', message)
  switch (u.status) {
    case 'done':
      if (!u.completed) err('status', 'status is done but there is no completed date; add completed: YYYY-MM-DD (when the fibre went live)')
      if (s.wan.type !== 'fibre') f.station(s, ['wan', 'type'], 'warning', 'fibre.done-not-fibre', `the fibre upgrade is done but the WAN is still ${s.wan.type}; switch wan to type: fibre`)
      break
    case 'in-progress':
      if (!u.started) err('status', 'status is in-progress but there is no started date; add started: YYYY-MM-DD')
      if (u.completed) err('completed', 'status is in-progress but a completed date is set; set status: done, or remove completed')
      break
    case 'planned':
      if (u.started) err('started', 'status is planned but a started date is set; set status: in-progress, or remove started')
      if (u.completed) err('completed', 'status is planned but a completed date is set; set status: done, or remove completed')
      break
    case 'not-needed':
      if (u.planned || u.started || u.completed) f.station(s, [...field, 'status'], 'warning', 'fibre.dates', 'status is not-needed but dates are set; remove them or set the real status')
      break
  }
  if (u.started && u.completed && u.completed < u.started) err('completed', `completed (${u.completed}) is before started (${u.started}); fix one of the dates`)
}
