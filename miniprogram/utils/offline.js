// @ts-check
/**
 * The last known state of 我的办件 and of each case page, of 我的预约 and each appointment (its check-in QR, to show
 * at a hall with no signal), and of each parcel (its 签收码, for the courier at a door with none), kept on the phone
 * (wx storage, one key) with the time it was fetched, so a resident without signal still sees where things stand
 * (as the PWA's offline.ts). It is the signed-in person's: forgotten
 * when the token goes (退出登录, a session ended from another device).
 */
const KEY = 'yiwang.offline'
const MAX_PAGES = 20 // pages of each kind ('case:', 'appointment:', 'delivery:') kept besides the lists (the most recently seen)

/** @typedef {{ at: number, value: unknown }} Kept */

/** @returns {Record<string, Kept>} */
function all() {
  const stored = wx.getStorageSync(KEY)
  return stored && typeof stored === 'object' ? /** @type {Record<string, Kept>} */ (stored) : {}
}

/**
 * Keep what a screen just fetched.
 * @param {string} key  e.g. 'cases', 'case:12', 'appointments', 'appointment:7'
 * @param {unknown} value
 */
function keep(key, value) {
  const kept = all()
  kept[key] = { at: Date.now(), value }
  for (const kind of ['case:', 'appointment:', 'delivery:']) {
    const pages = Object.keys(kept)
      .filter((k) => k.startsWith(kind))
      .sort((a, b) => kept[b].at - kept[a].at)
    for (const old of pages.slice(MAX_PAGES)) delete kept[old]
  }
  try {
    wx.setStorageSync(KEY, kept)
  } catch (_) {
    /* storage full: the screen still works, only without its offline copy */
  }
}

/**
 * What a screen last fetched, with when, or null.
 * @param {string} key
 * @returns {Kept | null}
 */
function recall(key) {
  return all()[key] || null
}

/** Nothing of this person stays on the phone. */
function forgetAll() {
  wx.removeStorageSync(KEY)
}

/**
 * When it was fetched, as people read it: 今天 14:05, or 11月26日 14:05.
 * @param {number} at
 * @param {number} [now]
 */
function asOf(at, now = Date.now()) {
  const d = new Date(at)
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  return new Date(now).toDateString() === d.toDateString() ? `今天 ${hm}` : `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`
}

/**
 * What a page shows instead of a failed fetch: the copy kept under `key` with when it was fetched, when the failure is
 * the network (no connection) and a copy was kept; else null (the page says what failed).
 * @param {unknown} error  what the fetch threw (utils/http's ApiError; `network.offline` when there is no connection)
 * @param {string} key
 * @returns {{ value: unknown, asOf: string } | null}
 */
function offlineCopy(error, key) {
  const offline = typeof error === 'object' && error !== null && /** @type {{ code?: unknown }} */ (error).code === 'network.offline'
  const kept = offline ? recall(key) : null
  return kept && kept.value ? { value: kept.value, asOf: asOf(kept.at) } : null
}

module.exports = { keep, recall, forgetAll, asOf, offlineCopy }
