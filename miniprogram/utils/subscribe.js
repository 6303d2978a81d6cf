// @ts-check
/**
 * wx.requestSubscribeMessage before a moment that will send a notice (book an appointment, submit, request delivery),
 * its answer reported to the backend (POST /me/wechat-subscriptions: one credit per accepted template).
 *
 * WeChat allows the dialog only from a tap, so call subscribe() first thing in the tap handler, before any await.
 * It never fails: a refusal, a template not configured (config.templates '') or a failed report lets the action go on.
 */
const config = require('../config')
const { api } = require('./api')

/** @typedef {'accept' | 'reject' | 'ban' | 'filter'} Answer */
const ANSWERS = ['accept', 'reject', 'ban', 'filter']

/**
 * @param {(keyof typeof config.templates)[]} kinds  which notices (config.templates keys)
 * @returns {Promise<Record<string, Answer>>} template id → what the person answered ({} when nothing was asked)
 */
function subscribe(kinds) {
  const ids = kinds.map((k) => config.templates[k]).filter(Boolean)
  if (!ids.length) return Promise.resolve({})
  /** @type {Promise<Record<string, Answer>>} */
  const asked = new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => {
        /** @type {Record<string, Answer>} */
        const results = {}
        for (const id of ids) {
          const answer = /** @type {Record<string, unknown>} */ (res)[id]
          if (typeof answer === 'string' && ANSWERS.includes(answer)) results[id] = /** @type {Answer} */ (answer)
        }
        resolve(results)
      },
      fail: () => resolve({}), // closed, not supported, or the privacy guide not agreed: go on without the notice
    })
  })
  return asked.then(async (results) => {
    if (Object.keys(results).length) {
      try {
        await api.wechatSubscriptions(results)
      } catch (_) {
        /* the notice may not reach WeChat; the action itself goes on */
      }
    }
    return results
  })
}

module.exports = { subscribe }
