// The 办事指南 tells the truth and the whole of it: what is 必交 is what the form and the server
// ask for; halls, hours, phone, steps, legal basis and result are there; a condition the ID number
// answers (age, region) is shown, and applying without meeting it is explained in plain words.
// Env: BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE.
import { assert, checklist, phoneBrowser, residentSignsIn } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !RESIDENT_PHONE) {
  console.error('BASE_URL, SMS_GATEWAY_URL and RESIDENT_PHONE are required')
  process.exit(2)
}
const { check, finish } = checklist('catalog')
const YYZZ = '000105001000' // 个体工商户设立登记
const OLD_AGE = '000110004000' // 高龄津贴申领: 80周岁以上
const LIVING = '000110001000' // 最低生活保障: 本县户籍
const MARRIAGE = '000110005000' // 结婚登记预约

const { page, close } = await phoneBrowser()
const pageErrors = []
page.on('pageerror', (err) => pageErrors.push(String(err)))
// Autosaves in flight (PUT …/form): a submit waits for them, as a late one would clear its messages.
let saving = 0
const isSave = (request) => request.method() === 'PUT' && request.url().endsWith('/form')
page.on('request', (request) => { if (isSave(request)) saving++ })
for (const event of ['requestfinished', 'requestfailed']) page.on(event, (request) => { if (isSave(request)) saving-- })
async function saved() {
  for (let i = 0; i < 100 && saving > 0; i++) await page.waitForTimeout(50)
  assert(saving === 0, 'autosave did not answer')
}

async function needs() {
  const tags = page.getByTestId('guide-materials').getByTestId('guide-material-need')
  return (await tags.allInnerTexts()).map((t) => t.trim())
}

try {
  await check('the licence guide marks only the ID card 必交 and shows the premises proof as optional with its condition', page, async () => {
    await page.goto(`${BASE_URL}/services/${YYZZ}`, { waitUntil: 'networkidle' })
    const premises = page.getByTestId('guide-material-premises')
    await premises.filter({ hasText: '视情况提交' }).waitFor()
    assert((await premises.innerText()).includes('承诺制'), 'the condition is shown')
    const tags = await needs()
    assert(tags.filter((t) => t === '必交').length === 1, `必交 tags: ${tags}`)
    assert((await page.getByTestId('guide-material-id_card').innerText()).includes('必交'), 'the ID card is 必交')
  })

  await check('the guide has halls with a map link, hours, a dialable phone, steps, legal basis and the result', page, async () => {
    const map = page.getByTestId('guide-map').first()
    assert((await map.getAttribute('href')).startsWith('https://'), 'map link')
    const box = await map.boundingBox()
    assert(box && box.height >= 44 && box.width >= 44, `map link target ${JSON.stringify(box)}`)
    assert((await page.getByTestId('guide-places').innerText()).includes('德安县政务服务中心'), 'hall name')
    assert((await page.getByTestId('guide-hours').innerText()).includes('周一至周五'), 'hours')
    assert((await page.getByTestId('guide-phone').locator('a[href^="tel:"]').count()) >= 1, 'a phone number to call')
    assert((await page.getByTestId('guide-steps').locator('.van-cell').count()) >= 3, 'steps')
    assert((await page.getByTestId('guide-basis').innerText()).includes('《促进个体工商户发展条例》'), 'legal basis')
    assert((await page.getByTestId('guide-result-name').innerText()).includes('营业执照'), 'result name')
    const delivery = await page.getByTestId('guide-delivery').innerText()
    assert(delivery.includes('窗口领取') && delivery.includes('邮寄送达') && !/window|ems/.test(delivery), `delivery: ${delivery}`)
    assert((await page.getByTestId('guide-checked-condition').innerText()).includes('申请人年满18周岁'), 'checked condition')
  })

  await check('a resident of 40 signs in; the old-age allowance guide shows the age condition', page, async () => {
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '赵敏', idNumber: '110105198604120038' })
    await page.goto(`${BASE_URL}/services/${OLD_AGE}`, { waitUntil: 'networkidle' })
    await page.getByTestId('guide-checked-condition').filter({ hasText: '申请人年满80周岁' }).waitFor()
  })

  await check('applying for it is refused in plain words, without the ID number, and stays on the guide', page, async () => {
    await page.getByTestId('guide-apply').click()
    const dialog = page.locator('.condition-unmet')
    await dialog.getByText('暂不符合办理条件').waitFor()
    const text = await dialog.innerText()
    assert(text.includes('年满80周岁') && text.includes('您现在40周岁'), `explanation: ${text}`)
    assert(!text.includes('110105') && !text.includes('condition'), `no number, no code: ${text}`)
    await dialog.locator('.van-dialog__confirm').click()
    await dialog.waitFor({ state: 'hidden' })
    assert(page.url().endsWith(`/services/${OLD_AGE}`), `stays on the guide: ${page.url()}`)
  })

  await check('the minimum living allowance explains the region condition', page, async () => {
    await page.goto(`${BASE_URL}/services/${LIVING}`, { waitUntil: 'networkidle' })
    await page.getByTestId('guide-checked-condition').filter({ hasText: '江西省九江市德安县' }).waitFor()
    await page.getByTestId('guide-apply').click()
    const dialog = page.locator('.condition-unmet')
    await dialog.getByText('户口簿').waitFor()
    await dialog.locator('.van-dialog__confirm').click()
    await dialog.waitFor({ state: 'hidden' })
  })

  await check("the licence form marks the same single 必交 as the guide", page, async () => {
    await page.goto(`${BASE_URL}/services/${YYZZ}`, { waitUntil: 'networkidle' })
    await page.getByTestId('guide-apply').click()
    await page.getByTestId('apply-page').waitFor()
    await page.getByTestId('material-id_card').filter({ hasText: '必交' }).waitFor()
    assert(!(await page.getByTestId('material-premises').innerText()).includes('必交'), 'premises is not 必交 on the form')
  })

  await check('the marriage form asks about the spouse, with a date and a choice, and says what is wrong per field', page, async () => {
    await page.goto(`${BASE_URL}/services/${MARRIAGE}`, { waitUntil: 'networkidle' })
    await page.getByTestId('guide-apply').click()
    await page.getByTestId('apply-page').waitFor()
    await page.getByTestId('field-spouse_name').locator('input').fill('钱芳')
    await page.getByTestId('field-spouse_id_number').locator('input').fill('110105199005060001')
    await page.getByTestId('field-spouse_phone').locator('input').fill('13912345670')
    await page.getByTestId('field-spouse_phone').locator('input').blur()
    await page.getByTestId('field-spouse_id_number').filter({ hasText: '校验位不正确' }).waitFor()
    await page.getByTestId('field-spouse_id_number').locator('input').fill('110105199005060007')
    const next = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10)
    await page.getByTestId('field-appointment_on').locator('input').fill(next)
    const changeSaved = page.waitForResponse((response) => isSave(response.request()))
    await page.getByTestId('field-time_slot').locator('select').selectOption('上午 8:30—12:00')
    await changeSaved // choosing saves at once
    await saved()
    await page.getByTestId('apply-submit').click()
    // The form is complete; the three 必交 materials are what is missing, each on its own row.
    await page.getByTestId('material-id_card').filter({ hasText: '请提供“居民身份证”' }).waitFor()
    for (const key of ['hukou', 'photo']) assert((await page.getByTestId(`material-${key}`).innerText()).includes('请提供'), key)
    assert(!(await page.getByTestId('field-spouse_id_number').innerText()).includes('校验位'), 'the fixed number is accepted')
    assert(page.url().includes('/apply/'), `still on the form: ${page.url()}`)
  })

  await check('no page errors', page, async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'))
  })
} finally {
  await close()
}
finish()
