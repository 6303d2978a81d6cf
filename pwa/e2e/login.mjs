// The resident's login journey in a phone-sized Chromium: phone + SMS code, real-name
// verification (a wrong ID number first), "me" with masked identity and devices, logout.
// BASE_URL: the site (nginx in the tests); SMS_GATEWAY_URL: the fake SMS gateway, where the
// test reads the code the resident would read on the phone; PHONE: the number to use.
import { assert, checklist, continueAfterVerifying, latestCode, phoneBrowser, tick } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL } = process.env
const PHONE = process.env.PHONE || '13912345678'
if (!BASE_URL || !SMS_GATEWAY_URL) {
  console.error('BASE_URL and SMS_GATEWAY_URL are required')
  process.exit(2)
}

const { check, finish } = checklist('login')

const { context, page, close } = await phoneBrowser()
const pageErrors = []
page.on('pageerror', (err) => pageErrors.push(String(err)))

try {
  await check('a logged-out resident is offered the login', page, async () => {
    await page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
    await page.getByTestId('me-login').click()
    await page.getByTestId('login-page').waitFor()
  })

  await check('a wrong phone number is explained before anything is sent', page, async () => {
    await page.getByTestId('login-phone').locator('input').fill('12345')
    await page.getByTestId('login-send').click()
    await page.getByText('请输入正确的 11 位手机号').waitFor()
  })

  await check('phone + SMS code logs in and leads to real-name verification', page, async () => {
    await page.getByTestId('login-phone').locator('input').fill(PHONE)
    await tick(page, 'login-agree') // 用户协议 and 隐私政策 (consent.mjs checks the refusal without it)
    await page.getByTestId('login-send').click()
    await page.getByTestId('login-send').filter({ hasText: '秒后重发' }).waitFor()
    const code = await latestCode(SMS_GATEWAY_URL, PHONE)
    await page.getByTestId('login-code').locator('input').fill(code)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('identity-page').waitFor()
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'yiwang_session')
    assert(session && session.httpOnly && session.sameSite === 'Lax', 'session cookie must be HttpOnly and SameSite=Lax')
  })

  await check('a wrong ID number is refused with the reason beside the field', page, async () => {
    await page.getByTestId('identity-name').locator('input').fill('张三')
    await page.getByTestId('identity-id-number').locator('input').fill('110105194912310021')
    await tick(page, 'identity-consent') // the separate consent to processing the ID number
    await page.getByTestId('identity-submit').click()
    await page.getByText('校验位不正确').waitFor()
  })

  await check('the right ID number verifies and "me" shows it masked', page, async () => {
    await page.getByTestId('identity-id-number').locator('input').fill('11010519491231002X')
    await page.getByTestId('identity-submit').click()
    await continueAfterVerifying(page)
    await page.getByTestId('me-page').waitFor()
    await page.getByTestId('me-id-number').filter({ hasText: '110***********002X' }).waitFor()
    const text = await page.getByTestId('me-identity').innerText()
    assert(text.includes('张*') && text.includes(PHONE.slice(0, 3) + '****' + PHONE.slice(-4)), `unexpected: ${text}`)
    assert(!(await page.content()).includes('11010519491231002X'), 'full ID number on the page')
  })

  await check('"my devices" lists this device', page, async () => {
    await page.getByTestId('me-devices').getByText('本机').waitFor()
  })

  await check('logout ends the session', page, async () => {
    await page.getByTestId('me-logout').click()
    await page.locator('.van-dialog__confirm').click()
    await page.getByTestId('me-login').waitFor()
    await page.reload({ waitUntil: 'networkidle' })
    await page.getByTestId('me-login').waitFor()
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`)
  })
} finally {
  await close()
}
finish()
