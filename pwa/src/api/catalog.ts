/** Typed calls of the catalog API. */
import { api } from './client'

export interface ServiceSummary {
  code: string
  name: string
  department: string
  department_name: string
  kind: string
  promised_limit_days: number
  online_full: boolean
  max_one_trip: boolean
  instant: boolean
  ems_allowed: boolean
  appointment_needed: boolean
  /** Proof of identity needed to apply: 1 name + ID number, 2 a real-name source (carrier), 3 a clerk saw the ID card. */
  assurance_required: 1 | 2 | 3
}

export interface MaterialSpec {
  key: string
  name: string
  required: boolean
  condition: string | null
  example_image: string | null
  certificate_type: string | null
  min_trust: number
  copies: number
}

/** One field of the application form (backend/catalog/schemas.py FormField). */
export interface FormField {
  key: string
  label: string
  type: 'text' | 'textarea' | 'number' | 'date' | 'phone' | 'id_number' | 'select' | 'address'
  required: boolean
  max_length: number
  options: string[]
  /** Lowest and highest value of a number. */
  min: number | null
  max: number | null
  /** A date no later (past) or no earlier (future) than today. */
  when: 'past' | 'future' | null
  /** A short example or explanation shown in the empty field. */
  hint: string | null
  /** Also required when another field has this value (邮寄 → 邮寄地址). */
  required_if: { key: string; value: string } | null
  /** Where GET /services/{code}/prefill takes the value from: the profile, or the previous application. */
  prefill: 'person.name' | 'person.phone' | 'person.id_number' | 'previous' | null
}

/** 办理地点: a hall with its address and a map that opens on a phone. */
export interface Place {
  name: string
  address: string
  map_url: string | null
  hours: string | null
  phone: string | null
}

/** Conditions the server checks from the applicant's ID number (age in 周岁, region by leading digits). */
export interface Eligibility {
  min_age: number | null
  max_age: number | null
  regions: { prefix: string; name: string }[]
}

export type Delivery = 'window' | 'ems' | 'electronic'

export interface ServiceGuide extends ServiceSummary {
  summary: string
  conditions: string[]
  materials: MaterialSpec[]
  form_schema: FormField[]
  legal_limit_days: number
  fee: string
  places: Place[]
  hours: string
  phone: string
  steps: string[]
  legal_basis: string[]
  result_name: string
  result_delivery: Delivery[]
  eligibility: Eligibility
}

export interface ServicePage {
  items: ServiceSummary[]
  total: number
  page: number
  page_size: number
}

export interface Department {
  code: string
  name: string
  items: number
}

export const catalog = {
  search: (params: { q?: string; department?: string; page?: number; page_size?: number }, signal?: AbortSignal) => {
    const query = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v))
    return api.get<ServicePage>(`/services?${query}`, { signal })
  },
  guide: (code: string) => api.get<ServiceGuide>(`/services/${encodeURIComponent(code)}`),
  departments: () => api.get<{ departments: Department[] }>('/departments'),
}
