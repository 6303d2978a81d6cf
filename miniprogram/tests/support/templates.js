// The subscribe-message template ids the test backend was configured with (tests/test_miniprogram.py passes them as
// WECHAT_TEMPLATES="progress,delivery,appointment"), put into a copy of config.js the way a deployment sets them.
module.exports = function setTemplates(config) {
  const [progress = '', delivery = '', appointment = ''] = (process.env.WECHAT_TEMPLATES || '').split(',')
  config.templates = { progress, delivery, appointment }
}
