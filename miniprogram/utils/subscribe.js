// @ts-check
/**
 * 订阅消息: ask with wx.requestSubscribeMessage in the tap handler (WeChat only shows the dialog for a user's tap)
 * just before the action that will send the notice, and report the answer to the backend
 * (POST /me/wechat-subscriptions: one send per accept). Never blocks the action: a refusal, a template not set in
 * config.js, an old WeChat or a failed report all resolve quietly.
 */
const config = require('../config')
const { api } = require('./api')

/**
 * @param {'progress' | 'delivery' | 'appointment'} kind  which template of config.templates
 * @returns {Promise<Record<string, string>>} what WeChat answered per template id ({} when nothing was asked)
 */
async function askToSubscribe(kind) {
  const id = config.templates[kind]
  if (!id || typeof wx.requestSubscribeMessage !== 'function') return {}
  /** @type {Record<string, string>} */
  let answer
  try {
    answer = await new Promise((resolve, reject) =>
      wx.requestSubscribeMessage({
        tmplIds: [id],
        success: (res) => resolve(/** @type {Record<string, string>} */ (/** @type {unknown} */ (res))),
        fail: reject,
      }),
    )
  } catch (_) {
    return {} // the dialog could not open (or was switched off): the action goes on without the notice
  }
  /** @type {Record<string, 'accept' | 'reject' | 'ban' | 'filter'>} */
  const results = {}
  if (['accept', 'reject', 'ban', 'filter'].includes(answer[id])) results[id] = /** @type {'accept'} */ (answer[id])
  if (Object.keys(results).length) await api.wechatSubscriptions(results).catch(() => undefined)
  return results
}

module.exports = { askToSubscribe }
