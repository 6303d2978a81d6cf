/** 浏览器通知 on this device: Notification permission + a Web Push subscription the server knows. */
import { ProblemError } from '../api/client'
import { notifications } from '../api/notifications'

/**
 * - `wechat`: inside WeChat's browser, which has no Web Push (WeChat messages and SMS reach them).
 * - `unsupported`: no service worker / Push API (old browsers, iOS Safari outside the home screen).
 * - `unavailable`: the server has no VAPID keys (problem `push.not_configured`).
 * - `denied`: the person blocked notifications for this site in the browser settings.
 */
export type PushState = 'checking' | 'wechat' | 'unsupported' | 'unavailable' | 'denied' | 'off' | 'on'

export class PushRejected extends Error {
  constructor(public reason: 'dismissed' | 'denied' | 'not_allowed' | 'no_worker') {
    super(reason)
    this.name = 'PushRejected'
  }
}

function support(): 'ok' | 'wechat' | 'unsupported' {
  if (/MicroMessenger/i.test(navigator.userAgent)) return 'wechat'
  if (!('serviceWorker' in navigator) || typeof PushManager === 'undefined' || typeof Notification === 'undefined') return 'unsupported'
  return 'ok'
}

export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const raw = atob(b64)
  const bytes = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
  return bytes
}

function sameKey(subscription: PushSubscription, key: Uint8Array): boolean {
  const current = subscription.options?.applicationServerKey
  if (!current) return true // not reported by this browser: assume it is ours
  const bytes = new Uint8Array(current)
  return bytes.length === key.length && bytes.every((b, i) => b === key[i])
}

let serverKey: Uint8Array<ArrayBuffer> | null = null

async function loadServerKey(): Promise<Uint8Array<ArrayBuffer> | null> {
  if (serverKey) return serverKey
  try {
    serverKey = base64UrlToBytes((await notifications.vapidKey()).public_key)
    return serverKey
  } catch (e) {
    if (e instanceof ProblemError && (e.code === 'push.not_configured' || e.status === 503 || e.status === 404)) return null
    throw e
  }
}

async function registration(): Promise<ServiceWorkerRegistration> {
  // `ready` never settles without a service worker (dev server, private modes): do not hang.
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new PushRejected('no_worker')), 10_000))
  return Promise.race([navigator.serviceWorker.ready, timeout])
}

/** What this device can and does do now; re-sends a subscription the server no longer has. */
export async function pushState(): Promise<PushState> {
  const s = support()
  if (s !== 'ok') return s
  const key = await loadServerKey()
  if (!key) return 'unavailable'
  if (Notification.permission === 'denied') return 'denied'
  if (Notification.permission !== 'granted') return 'off'
  const subscription = await (await registration()).pushManager.getSubscription()
  if (!subscription || !sameKey(subscription, key)) return 'off'
  const known = await notifications.subscriptions()
  // The server drops subscriptions a push service called gone; this device still has it.
  if (!known.items.some((i) => i.endpoint === subscription.endpoint)) await notifications.subscribe(subscription.toJSON())
  return 'on'
}

/** Ask permission, subscribe with the server's key and register the subscription. */
export async function enablePush(): Promise<PushState> {
  const permission = await Notification.requestPermission()
  if (permission === 'denied') return 'denied'
  if (permission !== 'granted') throw new PushRejected('dismissed')
  const key = await loadServerKey()
  if (!key) return 'unavailable'
  const reg = await registration()
  let subscription = await reg.pushManager.getSubscription()
  if (subscription && !sameKey(subscription, key)) {
    await subscription.unsubscribe() // made for an older server key: useless now
    subscription = null
  }
  subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
  try {
    await notifications.subscribe(subscription.toJSON())
  } catch (e) {
    if (e instanceof ProblemError && e.code === 'push.endpoint_not_allowed') {
      await subscription.unsubscribe().catch(() => undefined)
      throw new PushRejected('not_allowed')
    }
    throw e
  }
  // Turning it on for this device means wanting it: switch the account's channel on too.
  try {
    const prefs = await notifications.prefs()
    if (!prefs.webpush) await notifications.savePrefs({ ...prefs, webpush: true })
  } catch {
    /* the device is subscribed either way; the preferences page shows the switch */
  }
  return 'on'
}

/** Stop notifications on this device: forget the subscription here and on the server. */
export async function disablePush(): Promise<PushState> {
  const subscription = await (await registration()).pushManager.getSubscription()
  if (subscription) {
    try {
      await notifications.unsubscribe(subscription.endpoint)
    } catch (e) {
      if (!(e instanceof ProblemError && e.status === 404)) throw e
    }
    await subscription.unsubscribe()
  }
  return 'off'
}
