/**
 * The last known state of what the logged-in person saw (我的, my cases, each case page), kept on
 * this device so it stays readable without a network, with the time it was fetched.
 *
 * Privacy: only answers this person already saw are kept, trimmed to what the screens show (no
 * form contents, so no full ID number: 我的 holds the masked one); everything is dropped on logout,
 * when the server says the session is gone (401), and when another person logs in here.
 */
import { ProblemError } from './api/client'

const PREFIX = 'yiwang.lastKnown.'
const OWNER = PREFIX + 'owner'

export interface Recalled<T> {
  data: T
  at: Date
}

function storage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null // private mode or storage disabled: nothing is kept
  }
}

/** Keep the answer just shown under `key` (silently skipped when the device cannot store it). */
export function keep<T>(key: string, data: T): void {
  try {
    storage()?.setItem(PREFIX + key, JSON.stringify({ at: Date.now(), data }))
  } catch {
    /* storage full: the screen still works online */
  }
}

/** What was last kept under `key`, and when it was fetched. */
export function recall<T>(key: string): Recalled<T> | null {
  try {
    const raw = storage()?.getItem(PREFIX + key)
    if (!raw) return null
    const kept = JSON.parse(raw) as { at: number; data: T }
    return { data: kept.data, at: new Date(kept.at) }
  } catch {
    return null
  }
}

/** Drop everything kept (logout, session gone). */
export function forgetAll(): void {
  const s = storage()
  if (!s) return
  const keys: string[] = []
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i)
    if (k?.startsWith(PREFIX)) keys.push(k)
  }
  keys.forEach((k) => s.removeItem(k))
}

/** A new person logged in on this device: what someone else left here goes. */
export function ownedBy(owner: string): void {
  const s = storage()
  if (!s) return
  if (s.getItem(OWNER) !== owner) {
    forgetAll()
    try {
      s.setItem(OWNER, owner)
    } catch {
      /* nothing kept then */
    }
  }
}

/** The server could not be reached (no network, or the proxy found no app): not "logged out". */
export function unreachable(e: unknown): boolean {
  return e instanceof ProblemError && (e.code === 'network.offline' || [502, 503, 504].includes(e.status))
}
