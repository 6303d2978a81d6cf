/** Typed calls of 帮办代办 for township staff: villagers, delegations and their evidence, the dashboard, reveal. */
import { staff } from '../../api/cases'
import { api, newIdempotencyKey, ProblemError, type UploadOptions } from '../../api/client'
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type Villager = Schemas['VillagerOut']
export type Delegation = Schemas['DelegationOut']
export type DelegationIn = Schemas['DelegationIn']

/** One case of the dashboard (GET /assist/dashboard). */
export interface DashboardItem {
  application_id: number
  tracking_no: string | null
  service_name: string
  status: string
  status_label: string
  villager: { id: number; name: string }
  delegation_id: number
  due_date: string | null
}
export interface Dashboard {
  open: DashboardItem[]
  corrections: DashboardItem[]
  due_soon: DashboardItem[]
  counts: { open: number; corrections: number; due_soon: number }
}
/** A villager as staff read them (masked) with their delegations in the worker's township(s). */
export type VillagerPage = Villager & { delegations?: Delegation[] }

const enc = encodeURIComponent

export const assist = {
  lookup: (id_number: string, reason: string) => api.post<Villager>('/assist/lookup', { id_number, reason }),
  register: (body: { name: string; id_number: string; phone?: string | null }) => api.post<Villager>('/assist/villagers', body),
  person: (id: number, reason: string) => api.get<VillagerPage>(`/assist/people/${id}?reason=${enc(reason)}`),
  reveal: (id: number, reason: string) => api.post<{ id_number: string }>(`/assist/people/${id}/reveal`, { reason }),
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

/** Whether this session may use 帮办代办: a township worker (staff scoped township:…) or an admin; 'login' when signed out. */
export async function assistAccess(): Promise<'ok' | 'none' | 'login'> {
  try {
    const { roles } = await staff.me()
    return roles.some((r) => r.role === 'admin' || (r.role === 'staff' && r.scope.startsWith('township:'))) ? 'ok' : 'none'
  } catch (e) {
    return e instanceof ProblemError && e.status !== 401 && e.status !== 403 ? 'none' : 'login'
  }
}
