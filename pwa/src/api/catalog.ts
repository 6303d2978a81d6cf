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
  /** Where GET /services/{code}/prefill takes the value from: the profile, or the previous application. */
  prefill: 'person.name' | 'person.phone' | 'person.id_number' | 'previous' | null
}

export interface ServiceGuide extends ServiceSummary {
  summary: string
  conditions: string[]
  materials: MaterialSpec[]
  form_schema: FormField[]
  legal_limit_days: number
  fee: string
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
