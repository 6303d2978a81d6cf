/** Typed calls for 事项管理 (the admin role): the catalog with its versions. */
import { api } from '../../api/client'
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type CatalogItem = Schemas['ServiceItemIn']
export type CatalogDetail = Schemas['AdminItemDetail']
export type CatalogVersion = Schemas['VersionOut']
export type CatalogChange = Schemas['Change']
export type CatalogFormField = Schemas['FormField']
export type CatalogMaterial = Schemas['MaterialSpec']

const at = (code: string) => `/admin/services/${encodeURIComponent(code)}`

export const catalogAdmin = {
  items: () => api.get<Schemas['AdminItemList']>('/admin/services'),
  item: (code: string) => api.get<CatalogDetail>(at(code)),
  version: (code: string, version: number) => api.get<Schemas['VersionDetail']>(`${at(code)}/versions/${version}`),
  /** Saves on top of ``baseVersion``: a save by someone else since then is refused (409 catalog.version_conflict). */
  save: (item: CatalogItem, baseVersion: number) => api.put<Schemas['SavedOut']>(`${at(item.code)}?base_version=${baseVersion}`, item),
}
