/**
 * 代办模式: a township worker acting for a villager under a delegation (授权委托).
 *
 * While it is on, the API client sends `Yiwang-Delegation: <id>` on the resident endpoints that
 * accept acting (applications, materials, appointments, deliveries, saved addresses), so the
 * resident screens work for the villager unchanged; everything else (我的, messages, staff
 * screens) stays the worker's own. Kept in sessionStorage: it ends with the tab, on 结束代办,
 * on logout and when the session is gone. Holds no personal data beyond the masked name.
 */
import { computed, reactive, ref } from 'vue'
import { onRequestHeaders, onSessionGone } from './api/client'

export interface Acting {
  delegationId: number
  personId: number
  /** masked, as staff see it: 张** */
  villager: string
}

const KEY = 'yiwang.acting'
export const HEADER = 'Yiwang-Delegation'

function read(): Acting | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (!raw) return null
    const value = JSON.parse(raw) as Partial<Acting>
    return typeof value.delegationId === 'number' && typeof value.personId === 'number' && typeof value.villager === 'string'
      ? (value as Acting)
      : null
  } catch {
    return null
  }
}

export const acting = ref<Acting | null>(read())
export const isActing = computed(() => acting.value !== null)

/** Enter 代办模式 for this villager under this delegation. */
export function startActing(value: Acting): void {
  acting.value = value
  try {
    sessionStorage.setItem(KEY, JSON.stringify(value))
  } catch {
    /* private mode: lasts for this page only */
  }
}

/** 结束代办: back to the worker's own identity on every request. */
export function endActing(): void {
  acting.value = null
  for (const url of images.values()) if (url) URL.revokeObjectURL(url)
  images.clear()
  try {
    sessionStorage.removeItem(KEY)
  } catch {
    /* nothing kept */
  }
}

// The resident endpoints that opt in to acting (backend: requires(acting=True)); the header on any
// other route is refused (403 assist.acting_not_allowed), so it goes only where it belongs.
const ACTING_PATHS = [
  /^\/api\/v1\/applications(\/\d+(\/(form|submit|withdraw|materials\/.+|delivery|qr\.[a-z]+))?)?\/?(\?.*)?$/,
  /^\/api\/v1\/services\/[^/]+\/prefill(\?.*)?$/,
  /^\/api\/v1\/materials(\/\d+\/(file|thumbnail))?(\?.*)?$/,
  /^\/api\/v1\/appointments(\/(\d+(\/(confirm|cancel|reschedule))?|waiting))?\/?(\?.*)?$/,
  /^\/api\/v1\/deliveries(\/\d+\/cancel)?(\?.*)?$/,
  /^\/api\/v1\/me\/addresses(\/\d+)?(\?.*)?$/,
]

/** Whether a request to this URL acts for the villager (exported for the tests of the list). */
export function actsFor(url: string): boolean {
  return ACTING_PATHS.some((re) => re.test(url))
}

// Photos of the villager's materials: an <img> cannot send the header, so while acting they are
// fetched with it and shown from a blob URL (empty until it arrives).
const images = reactive(new Map<string, string>())

/** The src to show a photo of the API by: the URL itself, or while acting a blob fetched under the delegation. */
export function actingSrc(url: string): string {
  const now = acting.value
  if (!now || !actsFor(url)) return url
  const key = `${now.delegationId} ${url}`
  const have = images.get(key)
  if (have !== undefined) return have
  images.set(key, '')
  fetch(url, { headers: { [HEADER]: String(now.delegationId) }, credentials: 'same-origin' })
    .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
    .then((blob) => {
      if (images.has(key)) images.set(key, URL.createObjectURL(blob))
    })
    .catch(() => {
      if (images.has(key)) images.set(key, url) // shown as the browser can (a broken image), not fetched again and again
    })
  return ''
}

/**
 * A link to a file of the API, clicked while acting: a plain link would go without the header (and be refused), so
 * the file is fetched under the delegation only now, into a window opened at the click (a window opened after the
 * fetch would be blocked as a pop-up). False when the link may go as it is; throws when the file could not be had.
 */
export async function openActing(event: MouseEvent, url: string): Promise<boolean> {
  const now = acting.value
  if (!now || !actsFor(url)) return false
  event.preventDefault()
  const opened = window.open('', '_blank')
  try {
    const r = await fetch(url, { headers: { [HEADER]: String(now.delegationId) }, credentials: 'same-origin' })
    if (!r.ok) throw new Error(String(r.status))
    const target = URL.createObjectURL(await r.blob())
    if (opened) opened.location.href = target
    else window.location.href = target
    return true
  } catch (e) {
    opened?.close()
    throw e
  }
}

onRequestHeaders((url): Record<string, string> => (acting.value && actsFor(url) ? { [HEADER]: String(acting.value.delegationId) } : {}))
onSessionGone(() => endActing())
