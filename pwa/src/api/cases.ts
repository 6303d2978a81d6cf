/** Typed calls for applications, materials and staff review. */
import { api, newIdempotencyKey } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type TimelineItem = Schemas['TimelineOut']
export type Attached = Schemas['AttachedOut']
export type Case = Schemas['ApplicationOut']
export type Material = Schemas['MaterialOut']
export type QualityHint = Schemas['QualityHint']
export type Correction = Schemas['CorrectionOut']

export const cases = {
  create: (service_code: string, form: Record<string, unknown>) => api.post<Case>('/applications', { service_code, form }),
  prefill: (code: string) => api.get<Schemas['PrefillOut']>(`/services/${code}/prefill`),
  get: (id: number) => api.get<Case>(`/applications/${id}`),
  mine: () => api.get<Schemas['ApplicationList']>('/applications'),
  saveForm: (id: number, form: Record<string, unknown>) => api.put<Case>(`/applications/${id}/form`, { form }),
  attach: (id: number, key: string, material_id: number) => api.put<Case>(`/applications/${id}/materials/${key}`, { material_id }),
  /** Take the material out of its slot (it stays in the library); a slot refilled since is left alone. */
  detach: (id: number, key: string, material_id: number) => api.delete<Case>(`/applications/${id}/materials/${key}/${material_id}`),
  submit: (id: number, key: string) => api.post<Case>(`/applications/${id}/submit`, undefined, { idempotencyKey: key }),
  library: () => api.get<Schemas['MaterialList']>('/materials'),
  newKey: newIdempotencyKey,
}

export const staff = {
  login: (phone: string, password: string) => api.post<{ sent: boolean; retry_after: number }>('/auth/staff/login', { phone, password }),
  verify: (phone: string, code: string) => api.post('/auth/staff/verify', { phone, code, transport: 'cookie' }),
  queue: (view: 'todo' | 'waiting' | 'finished' = 'todo') => api.get<Schemas['ApplicationList']>(`/staff/applications?view=${view}`),
  me: () => api.get<{ roles: { role: string; scope: string }[] }>('/staff/me'),
  accept: (id: number) => api.post<Case>(`/staff/applications/${id}/accept`, { note: '' }),
  correction: (id: number, items: { item: string; reason: string }[]) => api.post<Case>(`/staff/applications/${id}/request-correction`, { items }),
  approve: (id: number) => api.post<Case>(`/staff/applications/${id}/approve`, { note: '' }),
  reject: (id: number, reason: string) => api.post<Case>(`/staff/applications/${id}/reject`, { reason }),
}

/** Upload one photo with progress, through the one client (CSRF, language, problem+json errors). */
export function uploadPhoto(file: Blob, kind: string, onProgress: (percent: number) => void): Promise<Material> {
  const data = new FormData()
  data.append('file', file, 'photo.jpg')
  if (kind) data.append('kind', kind)
  return api.upload<Material>('/materials', data, { onProgress })
}
