/** Typed calls of the identity API. */
import { api } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

/** How a login channel was proven to be the person: name + ID number only, a real-name source, a clerk. */
export type Assurance = Schemas['MeOut']['assurance']
export type ChannelKind = Schemas['ChannelOut']['kind']

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

export type Me = Schemas['MeOut']

export type Device = Schemas['Device']

export type Channel = Schemas['ChannelOut']

/** Another channel that brought my ID number without enough proof to join me. */
export type JoinRequest = Schemas['JoinRequestOut']

export type SessionOut = Schemas['SessionOut']

export const auth = {
  sendCode: (phone: string) => api.post<Schemas['SentOut']>('/auth/sms/send', { phone }),
  verifyCode: (phone: string, code: string, accept: Acceptance[]) =>
    api.post<SessionOut>('/auth/sms/verify', { phone, code, transport: 'cookie', accept }),
  logout: () => api.post<Schemas['OkOut']>('/auth/logout'),
  me: () => api.get<Me>('/me'),
  bindIdentity: (name: string, id_number: string, accept: Acceptance[]) => api.post<Me>('/me/identity', { name, id_number, accept }),
  documents: () => api.get<{ documents: DocumentRef[] }>('/legal/documents'),
  document: (name: string, version?: string) =>
    api.get<DocumentText>(`/legal/documents/${encodeURIComponent(name)}` + (version ? `/${encodeURIComponent(version)}` : '')),
  agree: (accept: Acceptance[]) => api.post<Me>('/me/consents', { accept }),
  /** Ask the earlier owner of my ID number to confirm me; answers the same whether or not there is one. */
  requestJoin: () => api.post<Schemas['JoinSentOut']>('/me/identity/join'),
  confirmJoin: (code: string) => api.post<Me>('/me/identity/join/confirm', { code }),
  channels: () => api.get<Schemas['ChannelsOut']>('/me/channels'),
  removeChannel: (id: number) => api.delete<Schemas['OkOut']>(`/me/channels/${id}`),
  approveJoin: (id: number) => api.post<Schemas['OkOut']>(`/me/join-requests/${id}/approve`),
  denyJoin: (id: number) => api.post<Schemas['OkOut']>(`/me/join-requests/${id}/deny`),
  devices: () => api.get<Schemas['DevicesOut']>('/me/sessions'),
  revokeDevice: (id: number) => api.delete<Schemas['OkOut']>(`/me/sessions/${id}`),
}
