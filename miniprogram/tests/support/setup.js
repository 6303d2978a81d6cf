// Runs in each test file's jsdom environment: miniprogram-simulate's globals (Component, Behavior, its inert wx
// mocks), then our wx adapter over them, and config.apiBase pointed at the test backend.
require('miniprogram-simulate')
const config = require('../../config')
const { createWx } = require('./wx')

const apiBase = process.env.BASE_URL || 'http://127.0.0.1:9'
config.apiBase = apiBase
config.templates = require('./page').templates() // the subscribe-message template ids the test backend knows
const device = createWx({
  wechatUrl: process.env.WECHAT_URL || 'http://127.0.0.1:9',
  photoPath: process.env.PHOTO_PATH, // a real JPEG (tests/test_miniprogram.py writes one)
})
Object.assign(global.wx, device.wx)
global.device = device.state
