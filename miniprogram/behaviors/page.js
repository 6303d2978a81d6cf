// @ts-check
/**
 * What every page shares: `largeText` in its data (the root view's class), read when the page is created and
 * each time it shows again (the switch on the home page may have changed it meanwhile).
 */
const { isLargeText } = require('../utils/largeText')

module.exports = Behavior({
  data: { largeText: false },
  lifetimes: {
    attached() {
      this.setData({ largeText: isLargeText() })
    },
  },
  pageLifetimes: {
    show() {
      this.setData({ largeText: isLargeText() })
    },
  },
})
