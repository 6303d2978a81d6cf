/**
 * Render a page the way the mini-program would (miniprogram-simulate, WXML compiled by the official wcc compiler,
 * Vant Weapp from miniprogram_npm/), and drive it: tap, type, wait for text.
 *
 *   const page = await openPage('/pages/login/login?next=%2Fpages%2Fservices%2Fservices')
 *   await tap(page, '#login-agree')                       // a Vant checkbox, button, cell … (or any tappable view)
 *   await waitForText(page, '实名认证')
 *   const next = lastNavigation()                   // { kind: 'redirectTo', url: '/pages/identity/identity?…' }
 */
const path = require('path')
const simulate = require('miniprogram-simulate')
const appJson = require('../../app.json')

const ROOT = path.resolve(__dirname, '../..')

// Global components of app.json, resolved as the runtime does for npm packages: miniprogram_npm/<package path>.
const usingComponents = Object.fromEntries(
  Object.entries(appJson.usingComponents).map(([tag, target]) => [tag, `/miniprogram_npm/${target}`]),
)

/** The subscribe-message template ids the test backend knows (WECHAT_TEMPLATES: progress,delivery,appointment). */
/** @param {string} qs */
function parseQuery(qs) {
  const query = {}
  for (const pair of (qs || '').split('&').filter(Boolean)) {
    const [k, v = ''] = pair.split('=')
    query[k] = v // WeChat hands page options over as they were written in the url (still percent-encoded)
  }
  return query
}

/**
 * Render a page at `url` ("/pages/x/x?a=1") and run its onLoad; resolves when onLoad's promise settles.
 * `launch: true` first runs app.js's onLaunch in the page's module registry (its listeners then hear the page's
 * calls, as in the app, where every page shares the modules).
 */
async function openPage(url, { launch = false } = {}) {
  const [pagePath, qs] = url.replace(/^\//, '').split('?')
  if (!appJson.pages.includes(pagePath)) throw new Error(`${pagePath} is not a page of app.json`)
  // miniprogram-simulate runs each page's and component's code with require(), counting on require.cache to run it
  // again for the next page; jest keeps its own registry, so each page loads in a fresh one (its own copy of our
  // modules, pointed at the test backend like setup.js does).
  let id
  jest.isolateModules(() => {
    require('../../config').apiBase = process.env.BASE_URL || require('../../config').apiBase
    require('./templates')(require('../../config')) // subscribe-message template ids (WECHAT_TEMPLATES)
    if (launch) {
      let app
      global.App = (options) => void (app = options)
      try {
        require('../../app')
      } finally {
        delete global.App
      }
      app.onLaunch({ path: pagePath, query: parseQuery(qs), scene: 1001 })
    }
    id = simulate.load(path.join(ROOT, pagePath), { rootPath: ROOT, compiler: 'official', usingComponents })
  })
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  if (page.instance.onLoad) await page.instance.onLoad(parseQuery(qs))
  if (page.instance.onShow) await page.instance.onShow()
  return page
}

/** The element for a selector, or a clear failure. */
function find(page, selector) {
  const node = page.querySelector(selector)
  if (!node) throw new Error(`${selector} not found in:\n${page.dom.innerHTML.slice(0, 3000)}`)
  return node
}

// The node inside each Vant component that carries its tap handler (the rest tap their root).
const TAPPABLE = { 'VAN-CHECKBOX': '.van-checkbox__icon-wrap', 'VAN-BUTTON': '.van-button', 'VAN-CELL': '.van-cell',
  'VAN-GRID-ITEM': '.van-grid-item', 'VAN-SWITCH': '.van-switch' }

/**
 * Tap an element: inside a Vant component, the node its own handler listens on (so the component runs its code and
 * emits its event, as on a phone); else the element itself (a view or text with bindtap).
 */
async function tap(page, selector) {
  const node = find(page, selector)
  const inner = TAPPABLE[node.dom.tagName]
  const target = inner ? node.querySelector(inner) : node
  if (!target) throw new Error(`${selector}: no ${inner} inside`)
  target.dispatchEvent('tap')
  await simulate.sleep(10) // j-component delivers events a tick later
}

/** The native input inside a Vant field or search (or the node itself when it is one). */
function inputIn(node) {
  const tag = node.dom.tagName
  if (tag === 'WX-INPUT' || tag === 'WX-TEXTAREA') return node
  if (tag === 'VAN-SEARCH') return inputIn(node.querySelector('.van-search__field'))
  const input = node.querySelectorAll('.van-field__control').find((n) => ['WX-INPUT', 'WX-TEXTAREA'].includes(n.dom.tagName))
  if (!input) throw new Error(`no input inside ${tag}`)
  return input
}

/** Type into a Vant field or search (or a native input): the input event the keyboard sends, so Vant's code runs. */
async function type(page, selector, value) {
  inputIn(find(page, selector)).dispatchEvent('input', { detail: { value } })
  await simulate.sleep(10)
}

/** The page's text, whitespace folded. */
function text(page) {
  return page.dom.textContent.replace(/\s+/g, ' ')
}

/** Wait until the page shows `wanted` (text or RegExp); fails with what it shows after `timeout` ms. */
async function waitForText(page, wanted, timeout = 10000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const shown = text(page)
    if (typeof wanted === 'string' ? shown.includes(wanted) : wanted.test(shown)) return shown
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${wanted}; the page shows:\n${shown}`)
    await simulate.sleep(20)
  }
}

/** Wait until `check()` is true (e.g. a navigation was recorded). */
async function waitFor(check, what = 'condition', timeout = 10000) {
  const deadline = Date.now() + timeout
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what}`)
    await simulate.sleep(20)
  }
}

/** The last navigation the page asked for ({ kind, url }). */
function lastNavigation() {
  const all = global.device.navigations
  return all[all.length - 1]
}

module.exports = { ROOT, openPage, find, tap, type, text, waitForText, waitFor, lastNavigation, parseQuery }
