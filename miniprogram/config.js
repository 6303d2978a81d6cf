// @ts-check
/**
 * What a deployment sets before uploading (see README.md, 微信小程序 section).
 * apiBase: the HTTPS origin registered as request and uploadFile 合法域名 in 微信公众平台 (no trailing slash).
 * templates: the subscribe-message template ids added in 公众平台 → 订阅消息, the same ids the backend has in
 * YIWANG_WECHAT_TEMPLATE_PROGRESS / _DELIVERY / _APPOINTMENT ('' = that notice is not offered).
 * Tests set apiBase to the backend they start (tests/support/wx.js).
 */
const config = {
  apiBase: 'https://yiwang.example.gov.cn',
  templates: { progress: '', delivery: '', appointment: '' },
}

module.exports = config
