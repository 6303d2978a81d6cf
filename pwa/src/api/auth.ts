/** Typed calls of the identity API. */
import { api } from './client'

export interface Me {
  person_id: number | null
  verified: boolean
  name: string | null
  id_number: string | null
  phone: string | null
  channels: string[]
  roles: { role: string; scope: string }[]
}

export interface Device {
  id: number
  current: boolean
  transport: string
  user_agent: string
  ip: string
  created_at: string
  last_seen_at: string
}

export interface SessionOut {
  token: string | null
  csrf_token: string
  expires_at: string
  verified: boolean
}

export const auth = {
  sendCode: (phone: string) => api.post<{ sent: boolean; retry_after: number }>('/auth/sms/send', { phone }),
  verifyCode: (phone: string, code: string) => api.post<SessionOut>('/auth/sms/verify', { phone, code, transport: 'cookie' }),
  logout: () => api.post<{ ok: boolean }>('/auth/logout'),
  me: () => api.get<Me>('/me'),
  bindIdentity: (name: string, id_number: string) => api.post<Me>('/me/identity', { name, id_number }),
  devices: () => api.get<{ devices: Device[] }>('/me/sessions'),
  revokeDevice: (id: number) => api.delete<{ ok: boolean }>(`/me/sessions/${id}`),
}
