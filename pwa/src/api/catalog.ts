/** Typed calls of the catalog API. */
import { api } from './client'
import type { components } from './schema'

type Schemas = components['schemas']

export type ServiceSummary = Schemas['ServiceSummary']

export type MaterialSpec = Schemas['MaterialSpec']

/** One field of the application form (backend/catalog/schemas.py FormField). */
export type FormField = Schemas['FormField']

export type ServiceGuide = Schemas['ServiceGuide']
export type Place = Schemas['Place']
export type Eligibility = Schemas['Eligibility']
export type Delivery = ServiceGuide['result_delivery'][number]

export type ServicePage = Schemas['ServicePage']

export type Department = Schemas['DepartmentOut']

export const catalog = {
  search: (params: { q?: string; department?: string; page?: number; page_size?: number }, signal?: AbortSignal) => {
    const query = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v))
    return api.get<ServicePage>(`/services?${query}`, { signal })
  },
  guide: (code: string) => api.get<ServiceGuide>(`/services/${encodeURIComponent(code)}`),
  departments: () => api.get<Schemas['DepartmentList']>('/departments'),
}
