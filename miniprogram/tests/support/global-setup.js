// “构建 npm” once before the tests: pages resolve @vant/weapp from miniprogram_npm/ like the real app.
module.exports = () => require('../../scripts/build-npm')()
