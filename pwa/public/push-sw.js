/* Web Push for the generated service worker (vite.config.ts: workbox.importScripts).
 *
 * The server sends {id, title, body, url, tag}. `tag` is per notification, so a message the push
 * service delivers twice replaces the one already shown instead of showing a second one.
 * Plain script (importScripts), no modules, no build step. */
/* eslint-env serviceworker */

const FALLBACK_TITLE = '一网通办'
const ICON = '/icons/icon-192.png'

function readPayload(data) {
  if (!data) return {}
  try {
    const value = data.json()
    return value && typeof value === 'object' ? value : {}
  } catch (err) {
    return { body: data.text() }
  }
}

/** Only paths of this site are opened; anything else goes to the inbox. */
function inAppUrl(url) {
  try {
    const target = new URL(url || '/inbox', self.location.origin)
    return target.origin === self.location.origin ? target : new URL('/inbox', self.location.origin)
  } catch (err) {
    return new URL('/inbox', self.location.origin)
  }
}

self.addEventListener('push', (event) => {
  const msg = readPayload(event.data)
  const url = inAppUrl(msg.url)
  const options = {
    body: typeof msg.body === 'string' ? msg.body : '',
    icon: ICON,
    badge: '/icons/favicon-32.png',
    lang: 'zh-CN',
    data: { url: url.pathname + url.search + url.hash, id: typeof msg.id === 'number' ? msg.id : null },
  }
  if (msg.tag) options.tag = String(msg.tag)
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(typeof msg.title === 'string' && msg.title ? msg.title : FALLBACK_TITLE, options)
      // Open pages refresh their badge and lists even if their live stream is down.
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      for (const client of windows) client.postMessage({ type: 'yiwang:push', id: options.data.id })
    })(),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const data = event.notification.data || {}
  const url = inAppUrl(data.url)
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const ours = windows.filter((c) => new URL(c.url).origin === url.origin)
      const client = ours.find((c) => c.focused) || ours.find((c) => c.visibilityState === 'visible') || ours[0]
      if (client) {
        // The open app shows the page itself (no reload) and marks the message read.
        client.postMessage({ type: 'yiwang:open', url: url.pathname + url.search + url.hash, id: data.id })
        try {
          await client.focus()
        } catch (err) {
          /* focusing is best effort */
        }
        return
      }
      await self.clients.openWindow(url.href)
    })(),
  )
})
