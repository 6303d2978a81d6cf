// The admin console (issue 15, first pieces) through the real stack in a phone browser: the demo
// administrator signs in at /staff/login, opens 管理后台 at /admin, adds a make-up working day (调休上班)
// for next year on 节假日 and deletes it again, then finds a dead notification on 失败通知 and sends it
// again (it leaves the dead-letter list); on 大厅与排班 a window group's weekly schedule is replaced and a date closed.
// On 人员与角色 the demo clerk is found by phone, granted and withdrawn a role (the grant history shows both), disabled
// and enabled again; on 审计日志 the chain is verified and the clerk's records found. The demo auditor then signs in,
// lands on 审计日志, verifies the chain and searches by object.
// Env: BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE + ADMIN_PASSWORD (an administrator), DEAD_ID (the id of a
// notification delivery the fixture made dead), CLERK_PHONE (a staff member), AUDITOR_PHONE + AUDITOR_PASSWORD.
import { assert, checklist, clerkSignsIn, latestCode, phoneBrowser } from './harness.mjs'

const env = process.env
const { BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE, ADMIN_PASSWORD, DEAD_ID, CLERK_PHONE, AUDITOR_PHONE, AUDITOR_PASSWORD } = env
if (!BASE_URL || !SMS_GATEWAY_URL || !ADMIN_PHONE || !ADMIN_PASSWORD || !DEAD_ID || !CLERK_PHONE || !AUDITOR_PHONE || !AUDITOR_PASSWORD) {
  console.error('BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE, ADMIN_PASSWORD, DEAD_ID, CLERK_PHONE, AUDITOR_PHONE and AUDITOR_PASSWORD are required')
  process.exit(2)
}
const { check, finish } = checklist('admin')

// Start a verification and wait for its end: passed, or what it found (failed, error, interrupted) in the message.
// The card shows the last run's result until the start is answered, so this run's 正在校验 is waited for first.
async function verifyAndPass(page) {
  const card = page.getByTestId('audit-verification')
  await page.getByTestId('audit-verify-start').click()
  await card.getByTestId('audit-state-running').waitFor()
  await card.locator('[data-testid^="audit-state-"]:not([data-testid="audit-state-running"])').waitFor({ timeout: 60000 })
  const text = await card.textContent()
  assert(await card.getByTestId('audit-state-passed').count() === 1, `verification: ${text}`)
}
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
      await page.getByTestId(`override-${WEEK_AHEAD}`).getByText('设备检修').waitFor()
    })

    await check('大厅与排班: the hall\'s phone and a window group\'s windows are saved and read back', page, async () => {
      await page.getByTestId('hall-phone').locator('input').fill('0792-4567890')
      await page.getByTestId('hall-details-save').click()
      await page.getByText('大厅信息已保存').waitFor()
      await page.getByTestId('group-windows').locator('input').fill('1号窗口、2号窗口')
      await page.getByTestId('group-save').click()
      await page.getByText('窗口组已保存').waitFor()
      await page.reload({ waitUntil: 'networkidle' })
      await page.getByTestId('group-form').waitFor()
      // The form may be drawn before the hall's details arrive: wait for the values, then read them.
      const readBack = (testId, want) => page.waitForFunction(
        ([id, value]) => document.querySelector(`[data-testid="${id}"] input`)?.value === value, [testId, want], { timeout: 10000 },
      ).then(() => true, () => false)
      assert(await readBack('hall-phone', '0792-4567890'), 'hall phone read back')
      assert(await readBack('group-windows', '1号窗口、2号窗口'), 'windows read back')
      const weekdays = await page.getByTestId('schedule-weekday-5').getAttribute('aria-checked')
      assert(weekdays === 'true', `the saved schedule is read back (周六 ticked): ${weekdays}`)
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

    await check('人员与角色: the clerk is found by phone, masked, with their role', page, async () => {
      await page.goto(BASE_URL + '/admin', { waitUntil: 'networkidle' })
      await page.getByTestId('admin-link-people').click()
      await page.getByTestId('people-phone').locator('input').fill(CLERK_PHONE)
      await page.getByTestId('people-find').click()
      const name = await page.getByTestId('people-name').textContent()
      assert(name.includes('*') && name.includes('****'), `masked: ${name}`)
      await page.getByTestId('people-grant-staff').waitFor()
    })

    await check('人员与角色: 审批人员 for a hall picked from the list is granted, then withdrawn after a confirmation', page, async () => {
      await page.getByTestId('grant-role-approver').click()
      await page.getByTestId('grant-kind-hall').click()
      await page.locator('[data-testid^="grant-scope-"]').first().click()
      await page.getByTestId('grant-save').click()
      await page.getByText('已授予').waitFor()
      const grant = page.getByTestId('people-grant-approver')
      await grant.waitFor()
      await grant.locator('[data-testid^="people-withdraw-"]').click()
      await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
      await grant.waitFor({ state: 'detached' })
      // The history is read again after each change: wait for the withdrawal to be in it.
      await page.getByTestId('people-history').filter({ hasText: '撤销角色' }).waitFor()
      const history = await page.getByTestId('people-history').textContent()
      assert(history.includes('授予角色') && history.includes('撤销角色') && history.includes('审批人员'), `history: ${history}`)
    })

    await check('人员与角色: a courier is scoped to a 投递站 picked from the list, by name', page, async () => {
      await page.getByTestId('grant-role-courier').click()
      await page.getByTestId('grant-kind-station').click()
      await page.getByTestId('grant-scope-S331002').click() // the demo 投递站, listed by name
      assert(await page.getByTestId('grant-scope-S331002').textContent().then((t) => t.includes('投递')), 'the station by name')
      await page.getByTestId('grant-save').click()
      const grant = page.getByTestId('people-grant-courier')
      await grant.waitFor()
      const text = await grant.textContent()
      assert(text.includes('S331002') && text.includes('投递'), `the grant names the station: ${text}`)
      await grant.locator('[data-testid^="people-withdraw-"]').click()
      await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
      await grant.waitFor({ state: 'detached' })
    })

    await check('人员与角色: the account is disabled after a confirmation and enabled again', page, async () => {
      await page.getByTestId('people-toggle').click()
      await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
      await page.getByText('已停用', { exact: true }).first().waitFor()
      assert((await page.getByTestId('people-status').textContent()).includes('已停用'), 'status disabled')
      await page.getByTestId('people-toggle').click()
      await page.getByTestId('people-status').getByText('正常').waitFor()
      await page.getByTestId('people-history').filter({ hasText: '启用账号' }).waitFor()
      const history = await page.getByTestId('people-history').textContent()
      assert(history.includes('停用账号') && history.includes('启用账号'), `history: ${history}`)
    })

    await check("审计日志: the chain verifies, and the clerk's records are found from their page", page, async () => {
      await page.getByTestId('people-audit').click()
      await page.getByTestId('audit-search-form').waitFor()
      await page.getByTestId('audit-rows').waitFor()
      const rows = await page.getByTestId('audit-rows').textContent()
      assert(rows.includes('撤销角色') && rows.includes('停用账号'), `rows: ${rows.slice(0, 300)}`)
      await verifyAndPass(page)
    })
  } finally {
    await desk.close()
  }

  const auditorDesk = await phoneBrowser()
  const auditor = auditorDesk.page
  try {
    await check('the auditor signs in and lands on 审计日志', auditor, async () => {
      auditor.setDefaultTimeout(30000)
      await auditor.goto(BASE_URL + '/staff/login', { waitUntil: 'networkidle' })
      await auditor.getByTestId('staff-phone').locator('input').fill(AUDITOR_PHONE)
      await auditor.getByTestId('staff-password').locator('input').fill(AUDITOR_PASSWORD)
      const before = (await (await fetch(`${SMS_GATEWAY_URL}/_fake/messages?phone=${AUDITOR_PHONE}`)).json()).filter((m) => m.params && m.params.code).length
      await auditor.getByTestId('staff-next').click()
      await auditor.getByTestId('staff-code').locator('input').fill(await latestCode(SMS_GATEWAY_URL, AUDITOR_PHONE, before))
      await auditor.getByTestId('staff-next').click()
      await auditor.getByTestId('admin-audit').waitFor()
      auditor.setDefaultTimeout(10000)
    })

    await check('审计日志: the auditor verifies the chain and finds the role grants by object', auditor, async () => {
      await verifyAndPass(auditor)
      await auditor.getByTestId('audit-type-role_grant').click()
      await auditor.getByTestId('audit-search').click()
      await auditor.getByTestId('audit-rows').waitFor()
      const rows = await auditor.getByTestId('audit-rows').textContent()
      assert(rows.includes('授予角色') && rows.includes('链序号'), `rows: ${rows.slice(0, 300)}`)
    })

    await check('审计日志: a person id that is not a number is refused beside the field', auditor, async () => {
      await auditor.getByTestId('audit-by-person').click()
      await auditor.getByTestId('audit-person-id').locator('input').fill('abc')
      await auditor.getByTestId('audit-search').click()
      await auditor.locator('.van-field__error-message').getByText('应为整数').waitFor()
    })

    await check('管理后台: the auditor sees 审计日志 only', auditor, async () => {
      await auditor.goto(BASE_URL + '/admin', { waitUntil: 'networkidle' })
      await auditor.getByTestId('admin-link-audit').waitFor()
      assert((await auditor.getByTestId('admin-link-people').count()) === 0, 'no people link for an auditor')
    })
  } finally {
    await auditorDesk.close()
  }
} catch (e) {
  console.log(`not ok - journey aborted: ${e && e.stack ? e.stack : e}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}
finish()
