/** A case's status as staff read it (never the internal key). */
const KNOWN = ['draft', 'submitted', 'correction_requested', 'accepted', 'rejected', 'approved', 'certificate_issued', 'collected', 'delivered', 'withdrawn']

export function statusText(t: (key: string) => string, status: string): string {
  return t(`staff.status.${KNOWN.includes(status) ? status : 'unknown'}`)
}
