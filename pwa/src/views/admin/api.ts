/** Typed calls for the admin console (the admin role): dead-letter notifications and the holiday calendar. */
import { api } from '../../api/client'
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type DeadDelivery = Schemas['DeliveryOut']
export type CalendarDay = Schemas['CalendarDayOut']
export type CalendarDayIn = Schemas['CalendarDayIn']

export const admin = {
  deliveries: (status: 'dead' | 'failed' = 'dead') => api.get<Schemas['DeliveryList']>(`/admin/deliveries?status=${status}&limit=100`),
  resend: (id: number) => api.post<void>(`/admin/deliveries/${id}/retry`),
  calendarStatus: () => api.get<Schemas['CalendarStatusOut']>('/admin/calendar/status'),
  calendarYear: (year: number) => api.get<Schemas['CalendarYearOut']>(`/admin/calendar?year=${year}`),
  addDay: (day: CalendarDayIn) => api.post<CalendarDay>('/admin/calendar/days', day),
  removeDay: (id: number) => api.delete<Schemas['OkOut']>(`/admin/calendar/days/${id}`),
}

export type AdminHall = Schemas['AdminHallOut']
export type ScheduleDay = Schemas['ScheduleDay']
export const hallAdmin = {
  halls: () => api.get<{ items: { code: string; name: string; district: string }[] }>('/halls'),
  hall: (code: string) => api.get<AdminHall>(`/admin/halls/${encodeURIComponent(code)}`),
  putSchedule: (groupId: number, days: ScheduleDay[]) => api.put<Schemas['ScheduleOut']>(`/admin/groups/${groupId}/schedule`, { days }),
  putOverride: (groupId: number, day: string, body: Schemas['OverrideIn']) =>
    api.put<Schemas['OverrideOut']>(`/admin/groups/${groupId}/overrides/${day}`, body),
  putHall: (code: string, body: Schemas['HallDetailsIn']) => api.put<AdminHall>(`/admin/halls/${encodeURIComponent(code)}`, body),
  group: (groupId: number) => api.get<Schemas['AdminGroupDetail']>(`/admin/groups/${groupId}`),
  putGroup: (groupId: number, body: Schemas['GroupIn']) => api.put<Schemas['AdminGroupOut']>(`/admin/groups/${groupId}`, body),
  addGroup: (code: string, body: Schemas['GroupIn']) => api.post<Schemas['AdminGroupOut']>(`/admin/halls/${encodeURIComponent(code)}/groups`, body),
}

export type AuditRow = Schemas['AuditRow']
export type Verification = Schemas['VerificationOut']
export type AuditSearch = { object_type?: string; object_id?: string; person_id?: string; cursor?: string }
export const auditAdmin = {
  search: (q: AuditSearch) => {
    const params = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1]))
    return api.get<Schemas['AuditPage']>(`/admin/audit?${params}`)
  },
  latest: () => api.get<Schemas['LatestVerification']>('/admin/audit/verify'),
  start: () => api.post<Verification>('/admin/audit/verify'),
  verification: (id: string) => api.get<Verification>(`/admin/audit/verify/${encodeURIComponent(id)}`),
}

export type Person = Schemas['PersonOut']
export type GrantEvent = Schemas['GrantEvent']
export type GrantIn = Schemas['GrantIn']
export const peopleAdmin = {
  byPhone: (phone: string) => api.get<Person>(`/admin/people?phone=${encodeURIComponent(phone)}`),
  byId: (id: number) => api.get<Person>(`/admin/people/${id}`),
  history: (id: number) => api.get<Schemas['GrantHistory']>(`/admin/people/${id}/history`),
  grant: (id: number, body: GrantIn) => api.post<Person>(`/admin/people/${id}/roles`, body),
  withdraw: (id: number, grantId: number) => api.delete<Person>(`/admin/people/${id}/roles/${grantId}`),
  disable: (id: number) => api.post<Person>(`/admin/people/${id}/disable`),
  enable: (id: number) => api.post<Person>(`/admin/people/${id}/enable`),
  departments: () => api.get<Schemas['DepartmentList']>('/departments'),
  stations: () => api.get<Schemas['StationList']>('/admin/stations'),
}
