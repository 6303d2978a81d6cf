/** Where a signed-in staff member starts: a courier (and nothing else) on the round, 今日派件; an auditor (and nothing
 * else) on 审计日志; everyone else on the work queue. */
export function staffHome(roles: { role: string }[]): string {
  const names = new Set(roles.map((r) => r.role))
  const desk = ['staff', 'approver', 'admin'].some((r) => names.has(r))
  if (!desk && names.has('courier')) return '/courier'
  return !desk && names.has('auditor') ? '/admin/audit' : '/staff'
}
