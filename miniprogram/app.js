// @ts-check
const http = require('./utils/http')

App({
  onLaunch() {
    // A version of 用户协议/隐私政策 published meanwhile: the server refuses until the person agrees again.
    // Logged out on another device: say so, and offer the login page (never logged in again silently).
    http.onProblem((error) => {
      if (error.code === 'auth.consent_required') wx.navigateTo({ url: '/pages/login/login?consent=1' })
      else if (error.code === 'auth.session_revoked') {
        wx.showModal({
          title: '已退出登录',
          content: http.MESSAGES.revoked,
          showCancel: false,
          success: () => wx.navigateTo({ url: '/pages/login/login' }),
        })
      }
    })
  },
})
