/** The unread count behind the badge: kept in step by the stream and by read actions. */
import { ref } from 'vue'
import { ProblemError } from '../api/client'
import { notifications, type Notification } from '../api/notifications'
import { onLive } from './stream'

export const unread = ref(0)
let active = false
let timer: ReturnType<typeof setTimeout> | undefined

export async function refreshUnread(): Promise<void> {
  if (!active) return
  try {
    unread.value = (await notifications.unreadCount()).unread
  } catch (e) {
    if (e instanceof ProblemError && e.status === 401) unread.value = 0
    // otherwise keep the last known count: a weak network must not blank the badge
  }
}

function refreshSoon(): void {
  if (timer !== undefined) clearTimeout(timer)
  timer = setTimeout(() => {
    timer = undefined
    void refreshUnread()
  }, 300)
}

export function startInbox(): void {
  active = true
  void refreshUnread()
}

export function stopInbox(): void {
  active = false
  unread.value = 0
}

onLive('notification', (n) => {
  if (!active) return
  if (!n.read_at) unread.value++ // at once; the server's count follows
  refreshSoon()
})
onLive('resync', () => {
  if (active) refreshSoon()
})

/** Mark one notification read (no-op if it already is). */
export async function markRead(n: Notification): Promise<void> {
  if (n.read_at) return
  await notifications.markRead(n.id)
  n.read_at = new Date().toISOString()
  unread.value = Math.max(0, unread.value - 1)
  refreshSoon()
}

export async function markAllRead(): Promise<number> {
  const { marked } = await notifications.markAllRead()
  unread.value = 0
  refreshSoon()
  return marked
}
