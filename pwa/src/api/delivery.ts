/**
 * Typed calls for 证照寄递 (EMS delivery): the resident's delivery order and saved addresses, the
 * courier's parcels (today's list, scan lookup, tap-to-call, confirm at the door, failed attempt)
 * and the clerks' 寄递异常 list.
 *
 * Answers are the generated schema types (`npm run api-types`); the request bodies are written
 * here (the generated input types make every defaulted field required).
 */
import { api, newIdempotencyKey, type RequestOptions } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

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
export const STEPS: readonly string[] = ['requested', 'waybill_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered'] satisfies DeliveryStatus[]

export type SignerKind = 'self' | 'proxy' | 'locker'
export type AttemptReason = 'not_home' | 'refused' | 'wrong_address' | 'unreachable' | 'other'
export const ATTEMPT_REASONS: AttemptReason[] = ['not_home', 'refused', 'wrong_address', 'unreachable', 'other']

export type TrackEvent = Schemas['EventOut']
export type Proof = Schemas['ProofOut']
/** GET /applications/{id}/delivery (the resident's card). (The generated name is long: notifications have a DeliveryOut too.) */
export type DeliveryOrder = Schemas['DeliveryCardOut']
export type SavedAddress = Schemas['AddressOut']
/** A parcel as the courier sees it (GET /courier/parcels): masked name and phone, the full address, the consents. */
export type Parcel = Schemas['ParcelOut']
export type ParcelList = Schemas['ParcelList']
/** A row of the clerks' 寄递异常 list. */
export type TroubleDelivery = Schemas['StaffDeliveryOut']

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
  addresses: () => api.get<Schemas['AddressList']>('/me/addresses'),
  saveAddress: (body: AddressIn & { label?: string }) => api.post<SavedAddress>('/me/addresses', body),
  removeAddress: (id: number) => api.delete<unknown>(`/me/addresses/${id}`),
  newKey: newIdempotencyKey,
}

export const courier = {
  parcels: () => api.get<ParcelList>('/courier/parcels'),
  byWaybill: (waybill: string) => api.get<Parcel>(`/courier/parcels/by-waybill/${enc(waybill)}`),
  /** Reveals the full phone number (audited on the server): only right before dialling. */
  call: (id: number) => api.post<Schemas['RecipientPhoneOut']>(`/courier/parcels/${id}/call`),
  deliver: (id: number, form: FormData, options: RequestOptions) => api.upload<Parcel>(`/courier/parcels/${id}/deliver`, form, options),
  attempt: (id: number, body: AttemptIn, options: RequestOptions) => api.post<Parcel>(`/courier/parcels/${id}/attempt`, body, options),
}

export const deliveryDesk = {
  list: (view: 'trouble' | 'all' = 'trouble') => api.get<Schemas['StaffDeliveryList']>(`/staff/deliveries?view=${view}`),
  retry: (id: number) => api.post<TroubleDelivery>(`/staff/deliveries/${id}/retry`),
  newCode: (id: number) => api.post<TroubleDelivery>(`/staff/deliveries/${id}/new-code`),
}

/** The waybill as typed or scanned: what follows the last '/', ':' or '=' (a QR code may carry a link), letters and digits, upper case. */
export function normaliseWaybill(text: string): string {
  const tail = text.trim().split(/[/:=]/).pop() ?? ''
  return tail.replace(/[^0-9A-Za-z]/g, '').toUpperCase().slice(0, 32)
}
