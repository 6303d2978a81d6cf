/** Typed calls for applications, materials and staff review. */
import { api, isProblem, newIdempotencyKey, ProblemError } from './client'

export interface TimelineItem { at: string; action: string; status: string; text: string; note: string }
export interface QualityHint { code: string; message: string }
/** The current material of one slot of a case (one per material key; a retake replaces it). */
export interface Attached {
  key: string
  material_id: number
  reused: boolean
  attached_at: string
  warnings: QualityHint[]
  file_url: string
  thumbnail_url: string
}
/** One item of a correction request: the field or material (item, label) and the clerk's reason. */
export interface Correction { item: string; label: string; reason: string }
export interface Case {
  id: number
  tracking_no: string | null
  service_code: string
  service_name: string
  status: string
  form: Record<string, unknown>
  /** The resident may still change the form and materials (a draft, or corrections asked). */
  editable: boolean
  corrections: Correction[]
  submitted_at: string | null
  due_date: string | null
  on_time: boolean | null
  trips: number
  timeline: TimelineItem[]
  materials: Attached[]
}
export interface Material {
  id: number
  kind: string
  /** The catalog's name of the material (居民身份证) or the certificate's; null for a plain photo. */
  name: string | null
  created_at: string
  width: number
  height: number
  trust_level: number
  expires_on: string | null
  warnings: QualityHint[]
  reused: boolean
  file_url: string
  thumbnail_url: string
}

export const cases = {
  create: (service_code: string, form: Record<string, unknown>) => api.post<Case>('/applications', { service_code, form }),
  prefill: (code: string) => api.get<{ values: Record<string, unknown> }>(`/services/${code}/prefill`),
  get: (id: number) => api.get<Case>(`/applications/${id}`),
  mine: () => api.get<{ items: Case[] }>('/applications'),
  saveForm: (id: number, form: Record<string, unknown>) => api.put<Case>(`/applications/${id}/form`, { form }),
  attach: (id: number, key: string, material_id: number) => api.put<Case>(`/applications/${id}/materials/${key}`, { material_id }),
  /** Take the material out of its slot (it stays in the library); a slot refilled since is left alone. */
  detach: (id: number, key: string, material_id: number) => api.delete<Case>(`/applications/${id}/materials/${key}/${material_id}`),
  submit: (id: number, key: string) => api.post<Case>(`/applications/${id}/submit`, undefined, { idempotencyKey: key }),
  library: () => api.get<{ items: Material[] }>('/materials'),
  newKey: newIdempotencyKey,
}

export const staff = {
  login: (phone: string, password: string) => api.post<{ sent: boolean; retry_after: number }>('/auth/staff/login', { phone, password }),
  verify: (phone: string, code: string) => api.post('/auth/staff/verify', { phone, code, transport: 'cookie' }),
  queue: (view: 'todo' | 'waiting' | 'finished' = 'todo') => api.get<{ items: Case[] }>(`/staff/applications?view=${view}`),
  me: () => api.get<{ roles: { role: string; scope: string }[] }>('/staff/me'),
  accept: (id: number) => api.post<Case>(`/staff/applications/${id}/accept`, { note: '' }),
  correction: (id: number, items: { item: string; reason: string }[]) => api.post<Case>(`/staff/applications/${id}/request-correction`, { items }),
  approve: (id: number) => api.post<Case>(`/staff/applications/${id}/approve`, { note: '' }),
  reject: (id: number, reason: string) => api.post<Case>(`/staff/applications/${id}/reject`, { reason }),
}

function readCookie(name: string): string | undefined {
  return document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(name + '='))?.slice(name.length + 1)
}

/** Upload one photo with progress (fetch cannot report upload progress; XHR can). */
export function uploadPhoto(file: Blob, kind: string, onProgress: (percent: number) => void): Promise<Material> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/v1/materials')
    xhr.setRequestHeader('Accept-Language', 'zh-CN')
    const csrf = readCookie('yiwang_csrf')
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf)
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100)) }
    xhr.onload = () => {
      let body: unknown = null
      try { body = JSON.parse(xhr.responseText) } catch { body = null }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Material)
      else reject(new ProblemError(isProblem(body) && body.code ? body : { type: 'about:blank', title: '上传失败', status: xhr.status, code: `http.${xhr.status}`, detail: '上传失败，请重试' }))
    }
    xhr.onerror = () => reject(new ProblemError({ type: 'about:blank', title: '网络连接失败', status: 0, code: 'network.offline', detail: '网络连接失败，请检查网络后重试' }))
    const data = new FormData()
    data.append('file', file, 'photo.jpg')
    if (kind) data.append('kind', kind)
    xhr.send(data)
  })
}

export const STATUS_TEXT: Record<string, string> = {
  draft: '草稿', submitted: '已提交，待受理', correction_requested: '需要补正', accepted: '已受理，审批中', rejected: '未通过',
  approved: '已办结（通过）', certificate_issued: '已出证', collected: '已领取', delivered: '已寄达', withdrawn: '已撤回',
}
