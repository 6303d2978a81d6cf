// @ts-check
/** 适老化 large-text mode: one setting on the device (wx storage), read by every page (behaviors/page.js). */
const KEY = 'yiwang.largeText'

function isLargeText() {
  return wx.getStorageSync(KEY) === '1'
}

/** @param {boolean} on */
function setLargeText(on) {
  wx.setStorageSync(KEY, on ? '1' : '0')
}

module.exports = { isLargeText, setLargeText }
