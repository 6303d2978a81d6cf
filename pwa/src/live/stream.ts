/**
 * The live connection (SSE, GET /api/v1/stream): one EventSource per tab, shared by every screen
 * through a small event bus.
 *
 * - `notification`: a new notification (deduplicated by id; a resumed stream may repeat one).
 * - `resync`: the connection (re)opened or a push arrived while the stream may have been down;
 *   screens reload what they show instead of trusting that nothing was missed.
 * - `open`: the service worker asks this tab to show an in-app path (a tapped notification).
 *
 * EventSource reconnects by itself (sending Last-Event-ID) after a dropped connection, but gives
 * up for good when the server answers with an error status; then we retry with backoff (resuming
 * from the last id seen), and stop when the session is gone (401) or has no inbox (403).
 */
import { getCurrentInstance, onBeforeUnmount, ref } from 'vue'
import { ProblemError } from '../api/client'
import { notifications, type Notification } from '../api/notifications'

interface LiveEvents {
  notification: Notification
  resync: void
  open: { url: string; id?: number }
}
type LiveEvent = keyof LiveEvents
type Listener<K extends LiveEvent> = (payload: LiveEvents[K]) => void

const listeners: { [K in LiveEvent]: Set<Listener<K>> } = {
  notification: new Set(),
  resync: new Set(),
  open: new Set(),
}

export const streamState = ref<'idle' | 'connecting' | 'open' | 'retrying'>('idle')

const STREAM_URL = '/api/v1/stream'
const MAX_DELAY_MS = 60_000
let source: EventSource | null = null
let wanted = false
let attempt = 0
let retryTimer: ReturnType<typeof setTimeout> | undefined
let lastId = 0 // newest notification seen: a new EventSource resumes from it (the server replays)
const seen: number[] = []

export function emit<K extends LiveEvent>(type: K, payload: LiveEvents[K]): void {
  for (const fn of [...listeners[type]] as Listener<K>[]) {
    try {
      fn(payload)
    } catch (err) {
      console.warn('live listener failed', err)
    }
  }
}

/** Listen to a live event; inside a component the listener is removed when it unmounts. */
export function onLive<K extends LiveEvent>(type: K, fn: Listener<K>): () => void {
  const set = listeners[type] as Set<Listener<K>>
  set.add(fn)
  const off = () => set.delete(fn)
  if (getCurrentInstance()) onBeforeUnmount(off)
  return off
}

function firstTime(id: number): boolean {
  if (seen.includes(id)) return false
  seen.push(id)
  if (seen.length > 200) seen.shift()
  return true
}

function connect(): void {
  retryTimer = undefined
  if (!wanted || source || typeof EventSource === 'undefined') return
  streamState.value = 'connecting'
  // EventSource sends Last-Event-ID only on its own reconnects; a new one carries it in the query.
  const es = new EventSource(lastId ? `${STREAM_URL}?last_event_id=${lastId}` : STREAM_URL)
  source = es
  es.onopen = () => {
    attempt = 0
    streamState.value = 'open'
    emit('resync', undefined)
  }
  es.addEventListener('notification', (event) => {
    let item: Notification
    try {
      item = JSON.parse((event as MessageEvent<string>).data) as Notification
    } catch {
      return
    }
    if (typeof item?.id !== 'number') return
    lastId = Math.max(lastId, item.id)
    if (firstTime(item.id)) emit('notification', item)
  })
  es.onerror = () => {
    if (es.readyState !== EventSource.CLOSED) {
      streamState.value = 'retrying' // the browser reconnects by itself, resuming from Last-Event-ID
      return
    }
    es.close()
    if (source === es) source = null
    void retryLater()
  }
}

async function retryLater(): Promise<void> {
  if (!wanted) return
  streamState.value = 'retrying'
  // The stream said no without telling why; a plain request tells a lost session from an outage.
  try {
    await notifications.unreadCount()
  } catch (e) {
    // Logged out (401), or not allowed an inbox yet (403: identity not verified): nothing to retry.
    if (e instanceof ProblemError && (e.status === 401 || e.status === 403)) {
      stopStream()
      return
    }
  }
  if (!wanted || source || retryTimer !== undefined) return
  const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2)
  attempt++
  retryTimer = setTimeout(connect, delay)
}

function reconnectNow(): void {
  if (!wanted || source) return
  if (retryTimer !== undefined) clearTimeout(retryTimer)
  attempt = 0
  connect()
}

/** Open the stream (idempotent): called when someone is logged in. */
export function startStream(): void {
  wanted = true
  if (!source && retryTimer === undefined) connect()
}

/** Close the stream: logged out. */
export function stopStream(): void {
  wanted = false
  if (retryTimer !== undefined) clearTimeout(retryTimer)
  retryTimer = undefined
  source?.close()
  source = null
  lastId = 0
  streamState.value = 'idle'
}

let installed = false

/** Browser hooks: come back fast after sleep or a network change; hear the service worker. */
export function installStreamHooks(): void {
  if (installed) return
  installed = true
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      reconnectNow()
      if (wanted) emit('resync', undefined) // a phone asleep in a pocket may have missed events
    }
  })
  window.addEventListener('online', reconnectNow)
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
      const msg = event.data as { type?: string; url?: string; id?: number } | null
      if (!msg || typeof msg !== 'object') return
      if (msg.type === 'yiwang:push') emit('resync', undefined)
      else if (msg.type === 'yiwang:open' && typeof msg.url === 'string') emit('open', { url: msg.url, id: msg.id })
    })
  }
}
