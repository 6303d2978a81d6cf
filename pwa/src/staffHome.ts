/** Where a signed-in staff member starts: a courier (and nothing else) on the round, 今日派件; an auditor (and nothing
 * else) on 审计日志; a township worker (staff scoped to townships only) on 帮办代办; everyone else on the work queue. */
export function staffHome(roles: { role: string; scope?: string }[]): string {
  const names = new Set(roles.map((r) => r.role))
  const desk = ['staff', 'approver', 'admin'].some((r) => names.has(r))
  if (!desk && names.has('courier')) return '/courier'
  if (!desk && names.has('auditor')) return '/admin/audit'
  const deskRoles = roles.filter((r) => ['staff', 'approver', 'admin'].includes(r.role))
  if (deskRoles.every((r) => r.role === 'staff' && (r.scope ?? '').startsWith('township:'))) return '/assist'
  return '/staff'
}
