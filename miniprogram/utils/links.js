// @ts-check
/**
 * Where a subscribe message lands. The backend sends `page = YIWANG_WECHAT_PAGE?path=<url-quoted PWA path>`
 * (notifications/channels.py, default pages/index/index); the path is one of the notification links the backend
 * writes (grep `link=` in backend/ and notifications/): /cases/{id}, /cases/{id}/delivery, /appointments/{id},
 * /appointments, /me/security, or /inbox (the fallback of notifications/public.py outside()).
 * pages/index/index reads it and opens the matching mini-program page with pageFor().
 */

/** @typedef {{ pattern: RegExp, page: (m: RegExpMatchArray) => string }} Route */

const HOME = '/pages/index/index'

/** PWA path → mini-program page (with its query). First match wins. */
/** @type {Route[]} */
const ROUTES = [
  { pattern: /^\/cases\/(\d+)\/delivery$/, page: (m) => `/pages/delivery/delivery?id=${m[1]}` },
  { pattern: /^\/cases\/(\d+)$/, page: (m) => `/pages/case/case?id=${m[1]}` },
  { pattern: /^\/appointments\/(\d+)$/, page: (m) => `/pages/appointment/appointment?id=${m[1]}` },
  { pattern: /^\/appointments$/, page: () => '/pages/appointments/appointments' },
  { pattern: /^\/progress$/, page: () => '/pages/cases/cases' },
  { pattern: /^\/inbox$/, page: () => '/pages/inbox/inbox' },
  { pattern: /^\/services$/, page: () => '/pages/services/services' },
  { pattern: /^\/services\/([A-Za-z0-9_.-]+)$/, page: (m) => `/pages/guide/guide?code=${m[1]}` },
  { pattern: /^\/me\/identity$/, page: () => '/pages/identity/identity' },
  // Security notices (a new login, a removed device): the mini-program has no device list; the inbox tells the rest.
  { pattern: /^\/me\/security$/, page: () => '/pages/inbox/inbox' },
]

/**
 * The `path` query value as the page receives it: percent-encoded once (quote(..., safe='')) or already decoded.
 * @param {string | undefined} raw
 * @returns {string | null}
 */
function decodePath(raw) {
  if (!raw) return null
  let path = raw
  for (let i = 0; i < 2 && /%[0-9A-Fa-f]{2}/.test(path); i++) {
    try {
      path = decodeURIComponent(path)
    } catch (_) {
      return null
    }
  }
  return path.startsWith('/') ? path : null
}

/**
 * The mini-program page (absolute, with query) for a PWA path, or null when it is not one we open.
 * @param {string | undefined} raw
 * @returns {string | null}
 */
function pageFor(raw) {
  const path = decodePath(raw)
  if (!path) return null
  const bare = path.split(/[?#]/)[0].replace(/\/+$/, '') || '/'
  for (const route of ROUTES) {
    const m = bare.match(route.pattern)
    if (m) return route.page(m)
  }
  return null
}

/** Every page pageFor() may open, without query (for the check that app.json registers them). */
function targetPages() {
  const samples = ['/cases/1/delivery', '/cases/1', '/appointments/1', '/appointments', '/progress', '/inbox', '/services', '/services/x', '/me/identity', '/me/security']
  return [...new Set(samples.map((s) => /** @type {string} */ (pageFor(s)).split('?')[0].slice(1)))]
}

module.exports = { HOME, ROUTES, decodePath, pageFor, targetPages }
