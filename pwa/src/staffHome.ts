/** Where a signed-in staff member starts: a courier (and nothing else) on the round, 今日派件; everyone else on the work queue. */
export function staffHome(roles: { role: string }[]): string {
  const names = new Set(roles.map((r) => r.role))
  return names.has('courier') && !['staff', 'approver', 'admin'].some((r) => names.has(r)) ? '/courier' : '/staff'
}
