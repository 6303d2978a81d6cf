// The admin console (issue 15, first pieces) through the real stack in a phone browser: the demo
// administrator signs in at /staff/login, opens 管理后台 at /admin, adds a make-up working day (调休上班)
// for next year on 节假日 and deletes it again, then finds a dead notification on 失败通知 and sends it
// again (it leaves the dead-letter list); on 大厅与排班 a window group's weekly schedule is replaced and a date closed.
// Env: BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE + ADMIN_PASSWORD (an administrator), DEAD_ID (the id of a
// notification delivery the fixture made dead).
import { assert, checklist, clerkSignsIn, phoneBrowser } from './harness.mjs'

const env = process.env
const { BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE, ADMIN_PASSWORD, DEAD_ID } = env
if (!BASE_URL || !SMS_GATEWAY_URL || !ADMIN_PHONE || !ADMIN_PASSWORD || !DEAD_ID) {
  console.error('BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE, ADMIN_PASSWORD and DEAD_ID are required')
  process.exit(2)
}
const { check, finish } = checklist('admin')
const YEAR = new Date().getFullYear() + 1
const DAY = `${YEAR}-05-15`
// A date a week ahead (China time): within every group's booking horizon.
const WEEK_AHEAD = new Date(Date.now() + 7 * 86400000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })

try {
  const desk = await phoneBrowser()
  const page = desk.page
  try {
    await check('the administrator signs in and opens 管理后台', page, async () => {
      page.setDefaultTimeout(30000)
      await clerkSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: ADMIN_PHONE, password: ADMIN_PASSWORD })
      page.setDefaultTimeout(10000)
      await page.goto(BASE_URL + '/admin', { waitUntil: 'networkidle' })
      await page.getByTestId('admin-link-calendar').waitFor()
    })

    await check(`节假日: the year status shows, ${DAY} is added as 调休上班 and listed under ${YEAR}`, page, async () => {
      await page.getByTestId('admin-link-calendar').click()
      await page.getByTestId('calendar-status').waitFor()
      await page.getByTestId('calendar-date').locator('input').fill(DAY)
      await page.getByTestId('calendar-name').locator('input').fill('劳动节调休上班')
      await page.getByTestId('calendar-kind-workday').click()
      await page.getByTestId('calendar-add').click()
      await page.getByText('已添加').waitFor()
      await page.getByTestId(`calendar-year-${YEAR}`).click()
      const row = page.getByTestId(`calendar-day-${DAY}`)
      await row.waitFor()
      const text = await row.textContent()
      assert(text.includes('劳动节调休上班') && text.includes('调休上班') && text.includes('全国'), `row: ${text}`)
    })

    await check('节假日: the added day is deleted after a confirmation', page, async () => {
      await page.getByTestId(`calendar-remove-${DAY}`).click()
      await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
      await page.getByTestId(`calendar-day-${DAY}`).waitFor({ state: 'detached' })
    })

    await check('大厅与排班: a hall\'s first window group gets a new weekly schedule (周一至周六, 6 places) and a closed date', page, async () => {
      await page.goto(BASE_URL + '/admin', { waitUntil: 'networkidle' })
      await page.getByTestId('admin-link-halls').click()
      await page.locator('[data-testid^="admin-hall-"]').first().click()
      await page.getByTestId('schedule-form').waitFor()
      await page.getByTestId('schedule-weekday-5').click()
      await page.getByTestId('schedule-capacity').locator('input').fill('6')
      await page.getByTestId('schedule-save').click()
      await page.getByText('每周排班已保存').waitFor()
      await page.getByTestId('override-date').locator('input').fill(WEEK_AHEAD)
      await page.getByTestId('override-closed').click()
      await page.getByTestId('override-note').locator('input').fill('设备检修')
      await page.getByTestId('override-save').click()
      await page.getByText(/已保存，\d+ 个时段/).waitFor()
    })

    await check('失败通知: the dead delivery is listed with its error and 重新发送 takes it off the list', page, async () => {
      await page.goto(BASE_URL + '/admin', { waitUntil: 'networkidle' })
      await page.getByTestId('admin-link-notifications').click()
      const row = page.getByTestId(`dead-row-${DEAD_ID}`)
      await row.waitFor()
      assert((await row.textContent()).includes('失败原因'), `row: ${await row.textContent()}`)
      await page.getByTestId(`dead-resend-${DEAD_ID}`).click()
      await page.getByText('已重新发送').waitFor()
      await row.waitFor({ state: 'detached' })
    })
  } finally {
    await desk.close()
  }
} catch (e) {
  console.log(`not ok - journey aborted: ${e && e.stack ? e.stack : e}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}
finish()
