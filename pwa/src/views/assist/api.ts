/** Typed calls of 帮办代办 for township staff: villagers, delegations and their evidence, the dashboard, reveal. */
import { staff } from '../../api/cases'
import { api, newIdempotencyKey, ProblemError, type UploadOptions } from '../../api/client'
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type Villager = Schemas['VillagerOut']
export type Delegation = Schemas['DelegationOut']
export type DelegationIn = Schemas['DelegationIn']

/** One case of the dashboard (GET /assist/dashboard): 办理中, 待补正 and 快到期 lists with their counts. */
export type Dashboard = Schemas['Dashboard']
export type DashboardItem = Schemas['DashboardItem']
/** A villager as staff read them (masked) with their delegations in the worker's township(s). */
export type VillagerPage = Schemas['VillagerDetail']

const enc = encodeURIComponent

export const assist = {
  lookup: (id_number: string, reason: string) => api.post<Villager>('/assist/lookup', { id_number, reason }),
  register: (body: { name: string; id_number: string; phone?: string | null }) => api.post<Villager>('/assist/villagers', body),
  person: (id: number, reason: string) => api.get<VillagerPage>(`/assist/people/${id}?reason=${enc(reason)}`),
  reveal: (id: number, reason: string) => api.post<Schemas['Revealed']>(`/assist/people/${id}/reveal`, { reason }),
  dashboard: () => api.get<Dashboard>('/assist/dashboard'),
  delegations: (personId: number) => api.get<Schemas['DelegationList']>(`/assist/delegations?person_id=${personId}`),
  createDelegation: (body: DelegationIn, key = newIdempotencyKey()) => api.post<Delegation>('/assist/delegations', body, { idempotencyKey: key }),
  uploadPhoto: (id: number, photo: Blob, options: UploadOptions) => {
    const form = new FormData()
    form.append('photo', photo, 'delegation.jpg')
    return api.upload<Delegation>(`/assist/delegations/${id}/evidence/photo`, form, options)
  },
  sendCode: (id: number) => api.post<Delegation>(`/assist/delegations/${id}/evidence/sms`),
  confirmCode: (id: number, code: string) => api.post<Delegation>(`/assist/delegations/${id}/evidence/sms/confirm`, { code }),
  withdraw: (id: number) => api.post<Delegation>(`/assist/delegations/${id}/withdraw`),
}

/** The villager last found or registered on this tab (masked), so their page opens without asking again. */
const KEY = 'yiwang.assist.villager'
export function rememberVillager(v: Villager): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(v))
  } catch {
    /* private mode */
  }
}
export function recallVillager(id: number): Villager | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Villager | null
    return v && v.id === id ? v : null
  } catch {
    return null
  }
}

/** The reasons staff pick from when they read a villager's data (audited), besides their own words. */
export const REASONS = ['errand', 'identity', 'visit'] as const

/**
 * The townships a new delegation may be for: the staff member's own (a choice when several), or null for an admin,
 * who serves everywhere and types the township's division code.
 */
export async function delegationTownships(): Promise<string[] | null> {
  const { roles } = await staff.me()
  const mine = roles.filter((r) => r.role === 'staff' && r.scope.startsWith('township:')).map((r) => r.scope.slice('township:'.length))
  return mine.length ? mine : roles.some((r) => r.role === 'admin') ? null : []
}

/** Whether this session may use 帮办代办: a township worker (staff scoped township:…) or an admin; 'login' when signed out. */
export async function assistAccess(): Promise<'ok' | 'none' | 'login'> {
  try {
    const { roles } = await staff.me()
    return roles.some((r) => r.role === 'admin' || (r.role === 'staff' && r.scope.startsWith('township:'))) ? 'ok' : 'none'
  } catch (e) {
    return e instanceof ProblemError && e.status !== 401 && e.status !== 403 ? 'none' : 'login'
  }
}
