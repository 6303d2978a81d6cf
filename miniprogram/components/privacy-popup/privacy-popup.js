// @ts-check
/**
 * 隐私保护指引 popup (base library ≥ 2.32.3 with "__usePrivacyCheck__": true in app.json): a privacy API
 * (getPhoneNumber, chooseMedia, chooseAddress …) waits until the person agrees to the 用户隐私保护指引 registered in
 * 公众平台. WeChat tells us through wx.onNeedPrivacyAuthorization; this component, put once on each page that calls
 * such an API, shows why, links to the guide (wx.openPrivacyContract) and answers with the agree button
 * (<button open-type="agreePrivacyAuthorization">, whose id WeChat checks was tapped) or 不同意 (the API then fails
 * with "privacy permission is not authorized"; the page says what it could not do and nothing else is blocked).
 *
 * The listener is the app's one: the component registers it when it is attached and whenever its page shows again,
 * so the page in front answers. Several APIs waiting at once are all answered by the one tap.
 */

const AGREE_BUTTON = 'privacy-agree'

/** @typedef {(result: { event: 'exposureAuthorization' | 'agree' | 'disagree', buttonId?: string }) => void} Resolve */
/** @type {Resolve[]} */
let waiting = []

Component({
  properties: {
    /** What the page wants to do, for the text: e.g. 使用微信收货地址 */
    purpose: { type: String, value: '' },
  },
  data: { show: false, contract: '《一网通办小程序隐私保护指引》', referrer: '' },
  lifetimes: {
    attached() {
      this.listen()
    },
  },
  pageLifetimes: {
    show() {
      this.listen()
    },
  },
  methods: {
    listen() {
      if (typeof wx.onNeedPrivacyAuthorization !== 'function') return // an old WeChat: no privacy check there
      /** @param {Resolve} resolve @param {{ referrer?: string } | undefined} info */
      const listener = (resolve, info) => {
        waiting.push(resolve)
        resolve({ event: 'exposureAuthorization' })
        this.setData({ show: true, referrer: (info && info.referrer) || '' })
      }
      // miniprogram-api-typings 5.2.3 types the listener as (res) => void; the base library calls it with (resolve, eventInfo).
      wx.onNeedPrivacyAuthorization(/** @type {WechatMiniprogram.OnNeedPrivacyAuthorizationCallback} */ (/** @type {unknown} */ (listener)))
      if (typeof wx.getPrivacySetting === 'function') {
        wx.getPrivacySetting({
          success: (res) => {
            if (res.privacyContractName) this.setData({ contract: res.privacyContractName })
          },
        })
      }
    },
    noop() {},
    openContract() {
      wx.openPrivacyContract({ fail: () => wx.showToast({ title: '暂时无法打开隐私保护指引，请稍后重试', icon: 'none' }) })
    },
    /** bindagreeprivacyauthorization: the tap on the agree button happened; now WeChat may go on. */
    agree() {
      this.answer({ event: 'agree', buttonId: AGREE_BUTTON })
      this.triggerEvent('agree')
    },
    disagree() {
      this.answer({ event: 'disagree' })
      this.triggerEvent('disagree')
    },
    /** @param {{ event: 'agree' | 'disagree', buttonId?: string }} result */
    answer(result) {
      const all = waiting
      waiting = []
      all.forEach((resolve) => resolve(result))
      this.setData({ show: false })
    },
  },
})
