/**
 * Typed calls for 证照寄递 (EMS delivery): the resident's delivery order and saved addresses, the
 * courier's parcels (today's list, scan lookup, tap-to-call, confirm at the door, failed attempt)
 * and the clerks' 寄递异常 list.
 *
 * The types are written by hand from the contract (helpers' delivery design, "API") while the
 * backend is being built; once `npm run api-types` carries them they become aliases of the generated
 * schema types (the names stay, the screens do not change).
 */
import { api, newIdempotencyKey, type RequestOptions } from './client'

/** Statuses of a delivery order (workflow DELIVERY). */
export type DeliveryStatus =
  | 'requested'
  | 'waybill_created'
  | 'picked_up'
  | 'in_transit'
  | 'out_for_delivery'
  | 'delivered'
  | 'failed_attempt'
  | 'returned'
  | 'cancelled'
  | 'unmonitored'

/** The happy path, in order: the card's steps. */
export const STEPS: DeliveryStatus[] = ['requested', 'waybill_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered']

export type SignerKind = 'self' | 'proxy' | 'locker'
export type AttemptReason = 'not_home' | 'refused' | 'wrong_address' | 'unreachable' | 'other'
export const ATTEMPT_REASONS: AttemptReason[] = ['not_home', 'refused', 'wrong_address', 'unreachable', 'other']

export interface TrackEvent {
  at: string
  kind: string
  label: string
  place: string
  text: string
}

export interface Proof {
  signer_kind: SignerKind
  /** Masked (王*) */
  signer_name: string
  relation: string
  at: string
  photo_url: string
}

/** GET /applications/{id}/delivery (the resident's card). */
export interface DeliveryOrder {
  id: number
  application_id: number
  status: DeliveryStatus
  status_label: string
  /** Masked: 王* */
  recipient_name: string
  /** Masked: 138****5678 */
  recipient_phone: string
  province: string
  city: string
  district: string
  street: string
  detail: string
  region_code: string
  /** One line: 省市区 + street + detail. */
  address: string
  allow_proxy: boolean
  proxy_name: string | null
  allow_locker: boolean
  waybill_no: string | null
  events: TrackEvent[]
  /** Only while out for delivery / after a failed attempt, to the owner. */
  pickup_code: string | null
  proof: Proof | null
  escalated: boolean
}

export interface SavedAddress {
  id: number
  label: string
  recipient_name: string
  recipient_phone: string
  province: string
  city: string
  district: string
  street: string
  detail: string
  region_code: string
}

export interface AddressIn {
  recipient_name: string
  recipient_phone: string
  province: string
  city: string
  district: string
  street: string
  detail: string
  region_code: string
}

export interface Consents {
  allow_proxy: boolean
  proxy_name?: string
  allow_locker: boolean
}

export type DeliveryRequest =
  | ({ application_id: number; save_address?: boolean } & AddressIn & Consents)
  | ({ application_id: number; address_id: number } & Consents)

/** A parcel in the courier's list (GET /courier/parcels). */
export interface Parcel {
  id: number
  status: DeliveryStatus
  status_label: string
  waybill_no: string | null
  /** Masked */
  recipient_name: string
  /** Masked */
  recipient_phone: string
  address: string
  allow_proxy: boolean
  /** Masked */
  proxy_name: string | null
  allow_locker: boolean
  code_locked?: boolean
  proof?: Proof | null
}

export interface ParcelList {
  items: Parcel[]
}

/** A trouble row on the clerks' list. */
export interface TroubleDelivery {
  id: number
  application_id: number
  tracking_no?: string | null
  service_name?: string
  status: DeliveryStatus
  status_label: string
  waybill_no: string | null
  recipient_name: string
  address?: string
  escalated: boolean
  code_locked?: boolean
  /** The failed carrier call, when there is one. */
  call_failed?: boolean
  error_code?: string | null
  last_event_at?: string | null
  reason?: string
}

export interface AttemptIn {
  reason: AttemptReason
  note?: string
  next_attempt: string
}

const enc = encodeURIComponent

export const deliveries = {
  forCase: (applicationId: number) => api.get<DeliveryOrder>(`/applications/${applicationId}/delivery`),
  request: (body: DeliveryRequest, key: string) => api.post<DeliveryOrder>('/deliveries', body, { idempotencyKey: key }),
  cancel: (id: number) => api.post<DeliveryOrder>(`/deliveries/${id}/cancel`),
  proofUrl: (id: number) => `/api/v1/deliveries/${id}/proof.jpg`,
  addresses: () => api.get<{ items: SavedAddress[] }>('/me/addresses'),
  saveAddress: (body: AddressIn & { label?: string }) => api.post<SavedAddress>('/me/addresses', body),
  removeAddress: (id: number) => api.delete<unknown>(`/me/addresses/${id}`),
  newKey: newIdempotencyKey,
}

export const courier = {
  parcels: () => api.get<ParcelList>('/courier/parcels'),
  byWaybill: (waybill: string) => api.get<Parcel>(`/courier/parcels/by-waybill/${enc(waybill)}`),
  /** Reveals the full phone number (audited on the server): only right before dialling. */
  call: (id: number) => api.post<{ phone: string }>(`/courier/parcels/${id}/call`),
  deliver: (id: number, form: FormData, options: RequestOptions) => api.upload<Parcel>(`/courier/parcels/${id}/deliver`, form, options),
  attempt: (id: number, body: AttemptIn, options: RequestOptions) => api.post<Parcel>(`/courier/parcels/${id}/attempt`, body, options),
}

export const deliveryDesk = {
  list: (view: 'trouble' | 'all' = 'trouble') => api.get<{ items: TroubleDelivery[] }>(`/staff/deliveries?view=${view}`),
  retry: (id: number) => api.post<TroubleDelivery>(`/staff/deliveries/${id}/retry`),
  newCode: (id: number) => api.post<TroubleDelivery>(`/staff/deliveries/${id}/new-code`),
}

/** The waybill as typed or scanned: what follows the last '/', ':' or '=' (a QR code may carry a link), letters and digits, upper case. */
export function normaliseWaybill(text: string): string {
  const tail = text.trim().split(/[/:=]/).pop() ?? ''
  return tail.replace(/[^0-9A-Za-z]/g, '').toUpperCase().slice(0, 32)
}
