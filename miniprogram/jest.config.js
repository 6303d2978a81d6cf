// Page and module tests (tests/*.test.js). Page tests need a backend: tests/test_miniprogram.py starts one with the
// fake WeChat server and runs jest with BASE_URL and WECHAT_URL set (see tests/support/setup.js).
module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  setupFiles: ['<rootDir>/tests/support/setup.js'],
  globalSetup: '<rootDir>/tests/support/global-setup.js',
  testTimeout: 30000,
  // The pages share one backend; the page tests' WeChat users differ, so files could run side by side, but the
  // machine running `make test` is small: one at a time.
  maxWorkers: 1,
}
