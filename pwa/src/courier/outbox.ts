/**
 * 待发送: the courier's confirmations (签收) and failed attempts (投递未成功), kept on the phone in
 * IndexedDB until the server has them. Signal is poor in valleys: every action is stored first,
 * with its Idempotency-Key (made once, when the courier taps 确认签收) and its photo Blob, then sent;
 * what could not be sent goes again on `online`, on page load and on 重试. Sending the same item
 * twice (two tabs, a lost answer) is harmless: the server answers a replayed key with the first
 * answer and never confirms twice.
 *
 * An item the server refuses (4xx, e.g. 签收码错误) is never dropped: it stays, marked as needing
 * the courier's attention with the server's own message, until the courier corrects it (a new item
 * with a new key replaces it) or removes it on purpose.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { ref } from 'vue'
import { ProblemError } from '../api/client'
import { courier, type AttemptIn, type Parcel, type SignerKind } from '../api/delivery'

export type OutboxState = 'waiting' | 'sending' | 'attention'

export interface DeliverFields {
  pickup_code: string
  signer_kind: SignerKind
  signer_name: string
  relation: string
}

export interface OutboxItem {
  /** The Idempotency-Key: the item's identity here and on the server. */
  key: string
  kind: 'deliver' | 'attempt'
  parcelId: number
  /** What the list shows (no phone, no name). */
  waybill: string
  address: string
  createdAt: number
  deliver?: DeliverFields
  photo?: Blob
  photoName?: string
  attempt?: AttemptIn
  state: OutboxState
  /** The server's message when it refused the item (Chinese, as it said it). */
  message?: string
  code?: string
  tries: number
  lastTriedAt?: number
}

interface CourierDB extends DBSchema {
  outbox: { key: string; value: OutboxItem; indexes: { parcel: number } }
}

const DB_NAME = 'yiwang-courier'
let dbPromise: Promise<IDBPDatabase<CourierDB>> | null = null

function db(): Promise<IDBPDatabase<CourierDB>> {
  dbPromise ??= openDB<CourierDB>(DB_NAME, 1, {
    upgrade(d) {
      const store = d.createObjectStore('outbox', { keyPath: 'key' })
      store.createIndex('parcel', 'parcelId')
    },
  })
  return dbPromise
}

/** What is still on the phone, oldest first (the banner and the parcel pages follow it). */
export const outbox = ref<OutboxItem[]>([])
/** Set while the server says nobody is logged in: sending waits for the next login. */
export const needsLogin = ref(false)
export const flushing = ref(false)

/** Items without their photo Blob (kept in IndexedDB, not in the reactive list). */
async function reload(): Promise<void> {
  const all = await (await db()).getAll('outbox')
  all.sort((a, b) => a.createdAt - b.createdAt)
  outbox.value = all.map(({ photo: _photo, ...rest }) => ({ ...rest, photo: undefined }))
}

export async function loadOutbox(): Promise<void> {
  try {
    await reload()
  } catch {
    outbox.value = [] // no IndexedDB (private mode): the screens say sending needs a network
  }
}

export function pendingFor(parcelId: number): OutboxItem | undefined {
  return outbox.value.find((i) => i.parcelId === parcelId)
}

/** Keep a new action; an earlier unsent or refused one for the same parcel is replaced (the courier corrected it). */
export async function enqueue(item: Omit<OutboxItem, 'state' | 'tries' | 'createdAt'>): Promise<void> {
  const d = await db()
  const tx = d.transaction('outbox', 'readwrite')
  for (const old of await tx.store.index('parcel').getAll(item.parcelId)) {
    if (!(running && old.state === 'sending')) await tx.store.delete(old.key)
  }
  await tx.store.put({ ...item, state: 'waiting', tries: 0, createdAt: Date.now() })
  await tx.done
  await reload()
}

/** Removed on purpose by the courier (never by the sender). */
export async function discard(key: string): Promise<void> {
  await (await db()).delete('outbox', key)
  await reload()
}

async function update(key: string, change: Partial<OutboxItem>): Promise<void> {
  const d = await db()
  const item = await d.get('outbox', key)
  if (item) await d.put('outbox', { ...item, ...change })
}

/** Answers that mean "try again later": no network, the proxy found no app, busy, throttled. */
function transient(e: unknown): boolean {
  if (!(e instanceof ProblemError)) return true
  return e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500
}

async function send(item: OutboxItem): Promise<Parcel> {
  const options = { idempotencyKey: item.key }
  if (item.kind === 'attempt' && item.attempt) return courier.attempt(item.parcelId, item.attempt, options)
  const form = new FormData()
  const f = item.deliver
  if (!f) throw new Error('empty confirmation')
  form.append('pickup_code', f.pickup_code)
  form.append('signer_kind', f.signer_kind)
  form.append('signer_name', f.signer_name)
  form.append('relation', f.relation)
  if (item.photo) form.append('photo', item.photo, item.photoName || 'proof.jpg')
  return courier.deliver(item.parcelId, form, options)
}

type Sent = (item: OutboxItem, answer: Parcel) => void
const sentListeners: Sent[] = []
/** Be told when an item reached the server (the list and the parcel page refresh). */
export function onSent(listener: Sent): () => void {
  sentListeners.push(listener)
  return () => {
    const i = sentListeners.indexOf(listener)
    if (i >= 0) sentListeners.splice(i, 1)
  }
}

async function flushNow(includeAttention: boolean): Promise<{ sent: number; left: number }> {
  let sent = 0
  const d = await db()
  const items = (await d.getAll('outbox')).sort((a, b) => a.createdAt - b.createdAt)
  for (const item of items) {
    if (item.state === 'attention' && !includeAttention) continue
    if (needsLogin.value) break
    await update(item.key, { state: 'sending', lastTriedAt: Date.now(), tries: item.tries + 1 })
    await reload()
    try {
      const answer = await send(item)
      await d.delete('outbox', item.key)
      sent++
      sentListeners.forEach((l) => l(item, answer))
    } catch (e) {
      if (e instanceof ProblemError && e.status === 401) {
        needsLogin.value = true
        await update(item.key, { state: item.state === 'attention' ? 'attention' : 'waiting' })
      } else if (transient(e)) {
        await update(item.key, { state: item.state === 'attention' ? 'attention' : 'waiting' })
        if (e instanceof ProblemError && e.status === 0) break // offline: the rest waits for `online`
      } else {
        const p = e instanceof ProblemError ? e : null
        await update(item.key, { state: 'attention', message: p ? p.detail || p.title : String(e), code: p?.code ?? 'unknown' })
      }
    }
  }
  await reload()
  return { sent, left: outbox.value.length }
}

let running: Promise<{ sent: number; left: number }> | null = null

/**
 * Send what waits (and, on 重试, what was refused: a code locked by the station may be open again).
 * One run at a time in this tab; other tabs are kept out by a Web Lock where the browser has them.
 */
export function flush(includeAttention = false): Promise<{ sent: number; left: number }> {
  if (running) return running
  flushing.value = true
  const work = async () => {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks
    if (locks) return (await locks.request('yiwang-courier-outbox', () => flushNow(includeAttention))) as { sent: number; left: number }
    return flushNow(includeAttention)
  }
  running = work()
    .catch(() => ({ sent: 0, left: outbox.value.length }))
    .finally(() => {
      running = null
      flushing.value = false
    })
  return running
}

let installed = false
/** Load what is kept and send it; send again whenever the browser says it is back online. */
export function installOutbox(): void {
  if (installed) return
  installed = true
  void loadOutbox().then(() => {
    if (outbox.value.some((i) => i.state !== 'attention')) void flush()
  })
  window.addEventListener('online', () => void flush())
}

/** After a login the items wait no more. */
export function loggedInAgain(): void {
  needsLogin.value = false
  void flush()
}

/** A phone photo made small enough for a weak signal: at most 1600 px, JPEG; the original when it cannot be drawn (e.g. HEIC). */
export async function shrinkPhoto(file: Blob): Promise<Blob> {
  try {
    const bitmap = await createImageBitmap(file)
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(bitmap.width * scale))
    canvas.height = Math.max(1, Math.round(bitmap.height * scale))
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    bitmap.close()
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85))
    return blob && blob.size < file.size ? blob : file
  } catch {
    return file
  }
}

/** One item with its photo (to correct a refused confirmation without taking the photo again). */
export async function getItem(key: string): Promise<OutboxItem | undefined> {
  try {
    return await (await db()).get('outbox', key)
  } catch {
    return undefined
  }
}
