import type { Findings } from './findings.js'

/**
 * Operator scopes: town admins see only their towns (ARCHITECTURE, "Who uses
 * it"); every active station must be reachable by somebody.
 */
export function checkOperators(f: Findings): void {
  const { inv } = f
  const townCodes = new Set(inv.towns.map((t) => t.code))
  const ids = new Map<string, number>()
  const keys = new Map<string, number>()

  inv.operators.forEach((op, i) => {
    const firstId = ids.get(op.id)
    if (firstId !== undefined) f.operator(i, ['id'], 'error', 'operators.duplicate-id', `operator id '${op.id}' is already used by operators[${firstId}]; ids name people in logs and RBAC: make it unique (e.g. ${op.id}-2)`)
    else ids.set(op.id, i)

    // Compare type + key material; the comment after it is free text.
    const key = op.sshPublicKey.split(' ').slice(0, 2).join(' ')
    const firstKey = keys.get(key)
    if (firstKey !== undefined) f.operator(i, ['sshPublicKey'], 'error', 'operators.duplicate-key', `this SSH public key is also the key of ${inv.operators[firstKey]?.id ?? `operators[${firstKey}]`}; each person needs their own key, or logs cannot tell them apart`)
    else keys.set(key, i)

    op.towns.forEach((code, j) => {
      if (!townCodes.has(code)) f.operator(i, ['towns', j], 'error', 'operators.unknown-town', `town ${code} does not exist in this inventory; valid towns: ${inv.towns.map((t) => `${t.code} ${t.name}`).join(', ')}`)
    })
    if (op.role === 'town' && op.towns.length === 0) f.operator(i, ['role'], 'error', 'operators.town-without-towns', `town operator '${op.id}' has an empty towns: list and could reach nothing; list the town code(s) they look after`)
    if (op.role === 'district' && op.towns.length > 0) f.operator(i, ['towns'], 'warning', 'operators.district-with-towns', `district operator '${op.id}' reaches every town anyway; the towns: list is ignored, remove it (or make the role town)`)
  })

  const hasDistrictOperator = inv.operators.some((o) => o.role === 'district')
  for (const t of inv.towns) {
    const townOperators = inv.operators.filter((o) => o.role === 'town' && o.towns.includes(t.code))
    if (townOperators.length > 0) continue
    f.town(t, ['town', 'code'], 'warning', 'operators.town-without-operator', `${t.name} (${t.code}) has no town operator; add a role: town operator with towns: ['${t.code}'] in operators.yaml`)
    if (hasDistrictOperator) continue
    for (const s of t.stations.filter((x) => x.hasStation)) {
      f.station(s, ['id'], 'error', 'operators.unreachable-station', `no operator can reach station ${s.name}: there is no district operator and no town operator for ${t.name}; add one in operators.yaml`)
    }
  }
}
