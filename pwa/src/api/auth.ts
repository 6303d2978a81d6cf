/** Typed calls of the identity API. */
import { api } from './client'

/** How a login channel was proven to be the person: name + ID number only, a real-name source, a clerk. */
export type Assurance = 'none' | 'claimed' | 'real_name' | 'in_person'
export type ChannelKind = 'wechat_mp' | 'phone'

/** The documents a resident agrees to: 用户协议, 隐私政策, and the separate consent to processing the ID number. */
export type DocumentName = 'terms' | 'privacy' | 'id_number'

export interface DocumentRef {
  document: DocumentName
  version: string
  title: string
}

export interface DocumentText extends DocumentRef {
  body: string
  versions: string[]
}

export interface Acceptance {
  document: DocumentName
  version: string
}

export interface Me {
  person_id: number | null
  verified: boolean
  assurance: Assurance
  name: string | null
  id_number: string | null
  phone: string | null
  channels: string[]
  roles: { role: string; scope: string }[]
  /** Current documents to agree to before anything else (empty: none). */
  consent_required: DocumentRef[]
}

export interface Device {
  id: number
  current: boolean
  transport: string
  user_agent: string
  /** Parsed by the server from the user agent; empty when it does not say. */
  browser: string
  os: string
  model: string
  wechat: boolean
  /** The kind of network of the client address (never a place); `ip` is masked. */
  network: 'loopback' | 'private' | 'public' | 'unknown'
  ip: string
  created_at: string
  last_seen_at: string
}

export interface Channel {
  id: number
  kind: ChannelKind
  assurance: Assurance
  source: string | null
  bound_at: string | null
  last_login_at: string | null
  current: boolean
}

/** Another channel that brought my ID number without enough proof to join me. */
export interface JoinRequest {
  id: number
  kind: ChannelKind
  status: 'claimed' | 'pending'
  created_at: string
  expires_at: string
}

export interface SessionOut {
  token: string | null
  csrf_token: string
  expires_at: string
  verified: boolean
  consent_required: DocumentRef[]
}

export const auth = {
  sendCode: (phone: string) => api.post<{ sent: boolean; retry_after: number }>('/auth/sms/send', { phone }),
  verifyCode: (phone: string, code: string, accept: Acceptance[]) =>
    api.post<SessionOut>('/auth/sms/verify', { phone, code, transport: 'cookie', accept }),
  logout: () => api.post<{ ok: boolean }>('/auth/logout'),
  me: () => api.get<Me>('/me'),
  bindIdentity: (name: string, id_number: string, accept: Acceptance[]) => api.post<Me>('/me/identity', { name, id_number, accept }),
  documents: () => api.get<{ documents: DocumentRef[] }>('/legal/documents'),
  document: (name: string, version?: string) =>
    api.get<DocumentText>(`/legal/documents/${encodeURIComponent(name)}` + (version ? `/${encodeURIComponent(version)}` : '')),
  agree: (accept: Acceptance[]) => api.post<Me>('/me/consents', { accept }),
  /** Ask the earlier owner of my ID number to confirm me; answers the same whether or not there is one. */
  requestJoin: () => api.post<{ accepted: boolean }>('/me/identity/join'),
  confirmJoin: (code: string) => api.post<Me>('/me/identity/join/confirm', { code }),
  channels: () => api.get<{ channels: Channel[]; join_requests: JoinRequest[] }>('/me/channels'),
  removeChannel: (id: number) => api.delete<{ ok: boolean }>(`/me/channels/${id}`),
  approveJoin: (id: number) => api.post<{ ok: boolean }>(`/me/join-requests/${id}/approve`),
  denyJoin: (id: number) => api.post<{ ok: boolean }>(`/me/join-requests/${id}/deny`),
  devices: () => api.get<{ devices: Device[] }>('/me/sessions'),
  revokeDevice: (id: number) => api.delete<{ ok: boolean }>(`/me/sessions/${id}`),
}
