// Consent (PIPL) and the SMS-code screen, in a phone-sized Chromium, in two phases around a
// restart of the app that publishes new document versions (YIWANG_LEGAL_DIR):
//   PHASE=first: the login refuses to go on without agreeing to 用户协议 and 隐私政策, both
//     documents open and read, wrong codes then a used-up code say so, a new code clears the old
//     error and takes the focus, the placeholder fits (also in large-text mode), and binding the
//     ID number asks its own consent. The session's cookies are kept in STATE_PATH.
//   PHASE=again: with the same session, the new 隐私政策 and ID-number consent are asked for
//     before anything else; after 同意并继续 the resident goes on.
// BASE_URL, SMS_GATEWAY_URL, PHONE, ID_NUMBER, STATE_PATH, NEW_VERSION (PHASE=again).
import { readFileSync, writeFileSync } from 'node:fs'
import { assert, checklist, codesSent, latestCode, phoneBrowser, tick } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, PHONE, ID_NUMBER, STATE_PATH, NEW_VERSION } = process.env
const PHASE = process.env.PHASE || 'first'
if (!BASE_URL || !SMS_GATEWAY_URL || !PHONE || !ID_NUMBER || !STATE_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, PHONE, ID_NUMBER and STATE_PATH are required')
  process.exit(2)
}

const { check, finish } = checklist(`consent-${PHASE}`)
const { context, page, close } = await phoneBrowser()
const pageErrors = []
page.on('pageerror', (err) => pageErrors.push(String(err)))
const codeInput = () => page.getByTestId('login-code').locator('input')
const codeMessage = () => page.getByTestId('login-code').locator('.van-field__error-message')

/** GET an API path with this browser's session cookie: [status, body]. */
async function api(path) {
  return page.evaluate(async (url) => {
    const r = await fetch(url, { headers: { Accept: 'application/json' } })
    return [r.status, await r.json()]
  }, '/api/v1' + path)
}

/** Whether each field's placeholder fits in its input (not cut off), measured in the page's own font. */
async function placeholdersFit() {
  return page.evaluate(() =>
    ['login-phone', 'login-code'].map((id) => {
      const input = document.querySelector(`[data-testid="${id}"] input`)
      const style = getComputedStyle(input)
      const probe = document.createElement('span')
      Object.assign(probe.style, { font: style.font, position: 'absolute', visibility: 'hidden', whiteSpace: 'pre' })
      probe.textContent = input.placeholder
      document.body.appendChild(probe)
      const needed = probe.getBoundingClientRect().width
      probe.remove()
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
      return { id, needed: Math.ceil(needed), room: Math.floor(room) }
    }),
  )
}

/** Enter a code and press 登录, waiting for the server's answer when the page asks it. */
async function submitCode(value, { asksServer = true } = {}) {
  await codeInput().fill(value)
  const answered = asksServer ? page.waitForResponse((r) => r.url().includes('/auth/sms/verify')) : null
  await page.getByTestId('login-submit').click()
  if (answered) await answered
}

const wrongOf = (code) => String((Number(code) + 1) % 1000000).padStart(6, '0')

try {
  if (PHASE === 'first') {
    await check('the login placeholders fit, in normal and in large-text mode', page, async () => {
      for (const large of ['0', '1']) {
        await page.goto(BASE_URL + '/', { waitUntil: 'networkidle' })
        await page.evaluate((on) => localStorage.setItem('yiwang.largeText', on), large)
        await page.goto(BASE_URL + '/login', { waitUntil: 'networkidle' })
        for (const { id, needed, room } of await placeholdersFit()) {
          assert(needed <= room, `${id} placeholder cut off (large=${large}): needs ${needed}px, has ${room}px`)
        }
      }
      await page.evaluate(() => localStorage.setItem('yiwang.largeText', '0'))
    })

    await check('without ticking the agreement no code is sent', page, async () => {
      await page.goto(BASE_URL + '/login', { waitUntil: 'networkidle' })
      await page.getByTestId('login-phone').locator('input').fill(PHONE)
      const before = await codesSent(SMS_GATEWAY_URL, PHONE)
      await page.getByTestId('login-send').click()
      await page.getByTestId('login-agree-error').filter({ hasText: '请先阅读并勾选同意《用户协议》和《隐私政策》' }).waitFor()
      await page.getByTestId('login-submit').click()
      await page.getByTestId('login-agree-error').waitFor()
      assert((await codesSent(SMS_GATEWAY_URL, PHONE)) === before, 'a code was sent without agreement')
      assert((await page.getByTestId('login-agree').getAttribute('aria-checked')) !== 'true', 'the agreement must not be pre-ticked')
    })

    await check('the 用户协议 opens on its own page, and back keeps the typed phone', page, async () => {
      await page.getByTestId('login-terms').click()
      await page.getByTestId('legal-document').filter({ hasText: '一网通办用户协议' }).waitFor()
      await page.getByText('一、账号与登录').waitFor()
      assert((await page.getByTestId('legal-version').innerText()).includes('版本'), 'no version shown')
      await page.getByTestId('legal-page').locator('.van-nav-bar__left').click()
      await page.getByTestId('login-page').waitFor()
      assert((await page.getByTestId('login-phone').locator('input').inputValue()) === PHONE, 'the phone was lost')
    })

    await check('the 隐私政策 opens and reads', page, async () => {
      await page.getByTestId('login-privacy').click()
      await page.getByTestId('legal-document').filter({ hasText: '一网通办隐私政策' }).waitFor()
      await page.getByText('四、您的权利').waitFor()
      await page.getByTestId('legal-page').locator('.van-nav-bar__left').click()
      await page.getByTestId('login-page').waitFor()
    })

    let code = ''
    await check('after ticking, 获取验证码 sends a code and moves the focus to the code field', page, async () => {
      await tick(page, 'login-agree')
      assert(!(await page.getByTestId('login-agree-error').isVisible()), 'the agreement error stayed')
      const before = await codesSent(SMS_GATEWAY_URL, PHONE)
      await page.getByTestId('login-send').click()
      code = await latestCode(SMS_GATEWAY_URL, PHONE, before)
      await page.getByTestId('login-send').filter({ hasText: '秒后重发' }).waitFor()
      await page.waitForFunction(() => document.activeElement?.closest('[data-testid="login-code"]') != null)
    })

    await check('wrong codes say "wrong"; after five the code is used up and says so, while resend counts down', page, async () => {
      for (let i = 0; i < 4; i++) {
        await submitCode(wrongOf(code))
        await codeMessage().filter({ hasText: '验证码不正确' }).waitFor()
      }
      await submitCode(wrongOf(code))
      await codeMessage().filter({ hasText: '验证码已失效' }).waitFor()
      assert((await codeInput().inputValue()) === '', 'the used-up code stayed in the field')
      assert((await page.getByTestId('login-send').innerText()).includes('秒后重发'), 'resend should still count down')
      // The right code no longer works either, and the page does not invite typing it again.
      await submitCode(code, { asksServer: false })
      const text = await codeMessage().innerText()
      assert(text.includes('验证码已失效') && text.includes('重新获取') && !text.includes('重新输入'), `unexpected: ${text}`)
      assert(page.url().includes('/login'), 'logged in with a used-up code')
    })

    await check('a new code clears the old message and takes the focus; it logs in', page, async () => {
      // One code per number per YIWANG_SMS_RESEND_SECONDS (15 s in the test stack): wait for the countdown, as the resident does.
      await page.getByTestId('login-send').filter({ hasText: '获取验证码' }).waitFor({ timeout: 75000 })
      await page.evaluate(() => document.activeElement?.blur()) // focus away from the code field
      const before = await codesSent(SMS_GATEWAY_URL, PHONE)
      await page.getByTestId('login-send').click()
      const fresh = await latestCode(SMS_GATEWAY_URL, PHONE, before)
      await page.getByTestId('login-send').filter({ hasText: '秒后重发' }).waitFor()
      assert(!(await codeMessage().isVisible()), `old message still shown: ${await codeMessage().innerText().catch(() => '')}`)
      await page.waitForFunction(() => document.activeElement?.closest('[data-testid="login-code"]') != null)
      await codeInput().fill(fresh)
      await page.getByTestId('login-submit').click()
      await page.getByTestId('identity-page').waitFor()
      const [status, me] = await api('/me')
      assert(status === 200 && me.consent_required.length === 0, `consent still required: ${JSON.stringify(me)}`)
    })

    await check('binding the ID number asks its own consent and refuses without it', page, async () => {
      await page.getByTestId('identity-name').locator('input').fill('孙同意')
      await page.getByTestId('identity-id-number').locator('input').fill(ID_NUMBER)
      await page.getByTestId('identity-consent-box').getByText('敏感个人信息').waitFor()
      assert((await page.getByTestId('identity-consent').getAttribute('aria-checked')) !== 'true', 'pre-ticked')
      await page.getByTestId('identity-submit').click()
      await page.getByTestId('identity-consent-error').waitFor()
      const [, me] = await api('/me')
      assert(me.verified === false, 'bound without the separate consent')
    })

    await check('the ID-number consent opens and reads; back keeps the form', page, async () => {
      await page.getByTestId('identity-consent-doc').click()
      await page.getByTestId('legal-document').filter({ hasText: '身份证号码处理单独同意书' }).waitFor()
      await page.getByText('一、处理目的和必要性').waitFor()
      await page.getByTestId('legal-page').locator('.van-nav-bar__left').click()
      await page.getByTestId('identity-page').waitFor()
      assert((await page.getByTestId('identity-id-number').locator('input').inputValue()) === ID_NUMBER, 'the ID number was lost')
    })

    await check('with the consent ticked, binding succeeds', page, async () => {
      await tick(page, 'identity-consent')
      await page.getByTestId('identity-submit').click()
      const done = page.getByTestId('identity-done')
      await done.or(page.getByTestId('me-page')).first().waitFor()
      if (await done.isVisible()) await page.getByTestId('identity-continue').click()
      await page.getByTestId('me-page').waitFor()
      const [, me] = await api('/me')
      assert(me.verified && me.consent_required.length === 0, JSON.stringify(me))
      writeFileSync(STATE_PATH, JSON.stringify(await context.storageState()))
    })
  } else {
    await context.addCookies(JSON.parse(readFileSync(STATE_PATH, 'utf8')).cookies)

    await check('after a new version is published, the same session is asked again before anything else', page, async () => {
      await page.goto(BASE_URL + '/me', { waitUntil: 'networkidle' })
      await page.getByTestId('consent-page').waitFor()
      await page.getByTestId('consent-doc-privacy').filter({ hasText: NEW_VERSION }).waitFor()
      await page.getByTestId('consent-doc-id_number').filter({ hasText: NEW_VERSION }).waitFor()
      assert(!(await page.getByTestId('consent-doc-terms').isVisible()), 'the unchanged terms asked again')
      const [status, problem] = await api('/me/channels')
      assert(status === 403 && problem.code === 'auth.consent_required', `personal data before consent: ${status}`)
      await page.goto(BASE_URL + '/progress', { waitUntil: 'networkidle' })
      await page.getByTestId('consent-page').waitFor()
    })

    await check('the new version opens from the question', page, async () => {
      await page.getByTestId('consent-doc-privacy').click()
      await page.getByTestId('legal-version').filter({ hasText: NEW_VERSION }).waitFor()
      await page.getByText('本次更新').waitFor()
      await page.getByTestId('legal-page').locator('.van-nav-bar__left').click()
      await page.getByTestId('consent-page').waitFor()
    })

    await check('同意并继续 records the new versions and goes on', page, async () => {
      await page.getByTestId('consent-agree').click()
      await page.getByTestId('progress-page').waitFor()
      const [, me] = await api('/me')
      assert(me.consent_required.length === 0, JSON.stringify(me.consent_required))
      const [status] = await api('/me/channels')
      assert(status === 200, `still refused: ${status}`)
      assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`)
    })
  }
} finally {
  await close()
}
finish()
