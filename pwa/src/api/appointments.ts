/** Typed calls for halls, appointments (预约), the waiting list, queue tickets and the hall board. */
import { api, newIdempotencyKey } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type HallBrief = Schemas['HallRef']
export type Hall = Schemas['HallOut']
export type HallDetail = Schemas['HallDetail']
export type Day = Schemas['DayOut']
export type Slot = Schemas['SlotOut']
export type SlotList = Schemas['SlotList']
/** The resident's ticket on an appointment: number, place in the queue, estimated wait, window. */
export type TicketBrief = Schemas['TicketBrief']
export type Appointment = Schemas['AppointmentOut']
export type WaitingEntry = Schemas['WaitingOut']
export type Suspension = Schemas['SuspensionOut']
export type Mine = Schemas['AppointmentList']
export type Ticket = Schemas['TicketOut']
export type HallQueue = Schemas['HallQueue']
export type QueueGroup = Schemas['GroupQueue']
export type Board = Schemas['BoardOut']
export type BoardCall = Schemas['BoardCall']

const q = (params: Record<string, string | number | undefined>) => {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v))
  const s = query.toString()
  return s ? `?${s}` : ''
}
const enc = encodeURIComponent

export const halls = {
  list: (where?: { lat: number; lng: number }, service?: string) =>
    api.get<{ items: Hall[] }>(`/halls${q({ lat: where?.lat, lng: where?.lng, service })}`),
  get: (code: string) => api.get<HallDetail>(`/halls/${enc(code)}`),
  days: (code: string, service: string) => api.get<Schemas['DayList']>(`/halls/${enc(code)}/days${q({ service })}`),
  slots: (code: string, date: string, service: string) => api.get<SlotList>(`/halls/${enc(code)}/slots${q({ date, service })}`),
  board: (code: string) => api.get<Board>(`/halls/${enc(code)}/board`),
  boardStreamUrl: (code: string) => `/api/v1/halls/${enc(code)}/board/stream`,
}

export const appointments = {
  mine: () => api.get<Mine>('/appointments'),
  get: (id: number) => api.get<Appointment>(`/appointments/${id}`),
  qrUrl: (id: number) => `/api/v1/appointments/${id}/qr.svg`,
  /** A held place: confirm it before hold_until. The key makes a retried tap the same booking. */
  hold: (body: { hall_code: string; service_code: string; date: string; start: string; application_id?: number }, key: string) =>
    api.post<Appointment>('/appointments', body, { idempotencyKey: key }),
  confirm: (id: number) => api.post<Appointment>(`/appointments/${id}/confirm`),
  accept: (id: number) => api.post<Appointment>(`/appointments/${id}/accept`),
  cancel: (id: number) => api.post<Appointment>(`/appointments/${id}/cancel`),
  reschedule: (id: number, body: { date: string; start: string }, key: string) =>
    api.post<Appointment>(`/appointments/${id}/reschedule`, body, { idempotencyKey: key }),
  joinWaiting: (body: Schemas['WaitingJoin']) => api.post<WaitingEntry>('/appointments/waiting', body),
  leaveWaiting: (id: number) => api.delete<unknown>(`/appointments/waiting/${id}`),
  appeal: (text: string) => api.post<unknown>('/appointments/suspension/appeal', { text }),
  newKey: newIdempotencyKey,
}

export const hallDesk = {
  checkIn: (hall: string, code: string) => api.post<Ticket>(`/staff/halls/${enc(hall)}/check-in`, { code }),
  /** A walk-in ticket (取号); the key makes a retried tap the same ticket. */
  walkIn: (hall: string, service_code: string, key: string) => api.post<Ticket>(`/staff/halls/${enc(hall)}/tickets`, { service_code }, { idempotencyKey: key }),
  queue: (hall: string) => api.get<HallQueue>(`/staff/halls/${enc(hall)}/queue`),
  callNext: (hall: string, group_id: number, window: string) => api.post<Ticket>(`/staff/halls/${enc(hall)}/call-next`, { group_id, window }),
  recall: (id: number) => api.post<Ticket>(`/staff/tickets/${id}/recall`),
  serve: (id: number) => api.post<Ticket>(`/staff/tickets/${id}/serve`),
  absent: (id: number) => api.post<Ticket>(`/staff/tickets/${id}/absent`),
  transfer: (id: number, group_id: number) => api.post<Ticket>(`/staff/tickets/${id}/transfer`, { group_id }),
  today: (hall: string, date?: string) => api.get<{ items: unknown[] }>(`/staff/halls/${enc(hall)}/appointments${q({ date })}`),
}

/** "1.2 公里" / "800 米". */
export function distanceText(m: number | null | undefined, t: (key: string, params: Record<string, unknown>) => string): string {
  if (m === null || m === undefined) return ''
  return m >= 1000 ? t('appt.km', { km: (m / 1000).toFixed(m >= 10000 ? 0 : 1) }) : t('appt.m', { m: Math.max(10, Math.round(m / 10) * 10) })
}

/** The code as the server keeps it (queue.normalize_code): what follows the last '/', ':' or '=' of a scanned
 * text (a QR code may carry a link), letters and digits only, upper case. */
export function normaliseCode(text: string): string {
  const tail = text.trim().split(/[/:=]/).pop() ?? ''
  return tail.replace(/[^0-9A-Za-z]/g, '').toUpperCase().slice(0, 16)
}

/** "11月30日 周一" for an ISO date (a calendar day: no time zone shift). */
export function dayText(date: string, locale: string): string {
  const [y, m, d] = date.split('-').map(Number)
  if (!y || !m || !d) return date
  return new Date(y, m - 1, d).toLocaleDateString(locale, { month: 'long', day: 'numeric', weekday: 'short' })
}

/** A moment in the hall's time zone: "11月30日 09:05". */
export function timeText(iso: string, locale: string): string {
  return new Date(iso).toLocaleString(locale, { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** Whether a notification from the live stream is about appointments, waiting lists or queue tickets. */
export function aboutAppointments(n: { event?: string; link?: string | null; data?: Record<string, unknown> }): boolean {
  return /^(appointment|waiting|queue|ticket|suspension)/.test(n.event ?? '') || (n.link ?? '').startsWith('/appointments') || n.data?.appointment_id != null
}
