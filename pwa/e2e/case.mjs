// A case as a first real resident and clerk meet it (issue 12, points 1, 3, 4, 5 and 10):
// a refused submit does not block the next one on the same page; a retake replaces the photo
// in its row (thumbnail and quality warning on that row), a photo can be removed, the library
// names photos by material and date; the clerk sees one labelled link per material; each
// correction reason shows next to its field or material and the button says 提交补正; an
// approved case opens read-only.
// Env: BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD, GOOD_PHOTO,
// DARK_PHOTO, OTHER_PHOTO (JPEGs the resident "takes").
import { assert, checklist, clerkSignsIn, imageLoads, phoneBrowser, residentSignsIn } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD, GOOD_PHOTO, DARK_PHOTO, OTHER_PHOTO } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !RESIDENT_PHONE || !STAFF_PHONE || !STAFF_PASSWORD || !GOOD_PHOTO || !DARK_PHOTO || !OTHER_PHOTO) {
  console.error('BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD, GOOD_PHOTO, DARK_PHOTO and OTHER_PHOTO are required')
  process.exit(2)
}
const { check, finish } = checklist('case')
const YYZZ = '000105001000'
const SCOPE_REASON = '经营范围请写完整，如：小吃、饮品零售'
const PHOTO_REASON = '身份证照片反光看不清，请重拍'

/** Click `button`; if the clerk screens ask to confirm (a van-dialog), confirm; then wait for `done`. */
async function clickAndConfirm(p, button, done) {
  await button.click()
  const confirm = p.locator('.van-dialog__confirm')
  await confirm.or(done).first().waitFor()
  if (await confirm.isVisible()) await confirm.click()
  await done.waitFor()
}

/** The case as the resident's browser session reads it from the API. */
async function caseNow(p, id) {
  const r = await p.request.get(`${BASE_URL}/api/v1/applications/${id}`)
  assert(r.ok(), `GET case ${id}: ${r.status()}`)
  return r.json()
}

/** WCAG contrast ratio of an element's text against its own (or nearest painted) background. */
async function contrastOf(locator) {
  return locator.evaluate((el) => {
    const rgb = (c) => c.match(/[\d.]+/g).map(Number)
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
    }
    let node = el
    let bg = getComputedStyle(node).backgroundColor
    while (node && (bg === 'transparent' || rgb(bg)[3] === 0)) {
      node = node.parentElement
      bg = node ? getComputedStyle(node).backgroundColor : 'rgb(255, 255, 255)'
    }
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg))].sort((x, y) => y - x)
    return { ratio: (a + 0.05) / (b + 0.05), fontSize: parseFloat(getComputedStyle(el).fontSize) }
  })
}

const resident = await phoneBrowser()
const clerk = await phoneBrowser()
const page = resident.page
const desk = clerk.page
let caseId = 0
let darkId = 0
let goodId = 0
const row = (key) => page.getByTestId(`material-${key}`)

try {
  await check('resident logs in and verifies', page, async () => {
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '赵六', idNumber: '330106198503150040' })
  })

  await check('(1) submitting an incomplete form shows the errors beside the fields and the material', page, async () => {
    await page.goto(`${BASE_URL}/services/${YYZZ}`, { waitUntil: 'networkidle' })
    await page.getByTestId('guide-apply').click()
    await page.getByTestId('apply-page').waitFor()
    caseId = Number(new URL(page.url()).pathname.split('/').pop())
    assert(caseId > 0, `case id from ${page.url()}`)
    assert((await page.getByTestId('apply-submit').innerText()).trim() === '提交申请', 'the button of a new application')
    await page.getByTestId('apply-submit').click()
    for (const field of ['business_name', 'business_scope', 'address']) {
      await page.getByTestId(`field-${field}`).locator('.van-field__error-message').waitFor()
    }
    assert(page.url().includes(`/apply/${caseId}`), 'still on the form')
  })

  await check('(3) a dark photo shows its thumbnail and its warning on its own row', page, async () => {
    await page.getByTestId('upload-id_card').locator('input[type=file]').setInputFiles(DARK_PHOTO)
    await row('id_card').getByTestId('material-thumb').waitFor()
    await row('id_card').getByTestId('quality-hint').filter({ hasText: '太暗' }).waitFor()
    assert((await page.getByTestId('quality-hint').count()) === 1, 'the warning shows under another material too')
    assert(await imageLoads(page, '[data-testid="material-id_card"] img[data-testid="material-thumb"]'), 'the thumbnail did not load')
    const slots = (await caseNow(page, caseId)).materials
    assert(slots.length === 1, `slots after the first photo: ${JSON.stringify(slots)}`)
    darkId = slots[0].material_id
  })

  await check('(3) retaking on that row replaces the photo instead of adding one', page, async () => {
    await row('id_card').getByTestId('material-retake').waitFor()
    await page.getByTestId('upload-id_card').locator('input[type=file]').setInputFiles(GOOD_PHOTO)
    await row('id_card').getByTestId('quality-hint').waitFor({ state: 'detached' })
    const slots = (await caseNow(page, caseId)).materials
    assert(slots.length === 1 && slots[0].key === 'id_card' && slots[0].material_id !== darkId, `after the retake: ${JSON.stringify(slots)}`)
    goodId = slots[0].material_id
    assert((await row('id_card').getByTestId('material-thumb').getAttribute('src')).includes(`/materials/${goodId}/`), 'the thumbnail shows the retake')
  })

  await check('(3, 5) removing empties the row; the library names the photos by material and date', page, async () => {
    await row('id_card').getByTestId('material-remove').click()
    await row('id_card').getByTestId('material-required').waitFor()
    assert((await row('id_card').getByTestId('material-thumb').count()) === 0, 'the thumbnail stayed')
    assert((await caseNow(page, caseId)).materials.length === 0, 'the slot is still filled on the server')
    await row('id_card').getByTestId('material-library').click()
    const item = page.getByTestId(`library-${goodId}`)
    await item.waitFor()
    const sheet = await page.locator('.van-action-sheet').innerText()
    assert(/居民身份证 · \d{4}年\d{1,2}月\d{1,2}日/.test(sheet), `library labels: ${sheet}`)
    assert(!sheet.includes('id_card'), `an internal key in the library: ${sheet}`)
    assert(await page.getByTestId(`library-${darkId}`).isVisible(), 'the replaced photo stays in the library')
    await item.click()
    await row('id_card').getByTestId('material-attached').waitFor()
  })

  await check('(1) after filling it in, 提交申请 on the same page submits', page, async () => {
    await page.getByTestId('field-business_name').locator('input').fill('赵六小吃店')
    await page.getByTestId('field-business_scope').locator('textarea').fill('小吃')
    await page.getByTestId('field-address').locator('input').fill('浙江省杭州市西湖区文三路100号')
    await page.getByTestId('field-address').locator('input').blur()
    // Any other material the form marks as required gets a photo as well.
    for (const required of await page.locator('[data-testid^="material-"]:has([data-testid="material-required"])').all()) {
      const key = (await required.getAttribute('data-testid')).slice('material-'.length)
      await page.getByTestId(`upload-${key}`).locator('input[type=file]').setInputFiles(OTHER_PHOTO)
      await row(key).getByTestId('material-attached').waitFor()
    }
    await page.getByTestId('apply-submit').click()
    await page.getByTestId('case-page').waitFor()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
  })

  await check('(3) the clerk sees one labelled link per material and asks for corrections', desk, async () => {
    await clerkSignsIn(desk, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: STAFF_PHONE, password: STAFF_PASSWORD })
    await desk.goto(`${BASE_URL}/staff/cases/${caseId}`, { waitUntil: 'networkidle' })
    const links = desk.getByTestId('staff-material-id_card').locator('a')
    await links.first().waitFor()
    assert((await links.count()) === 1, `links for the ID card: ${await links.count()}`)
    assert((await links.innerText()).includes('居民身份证'), `the link is not named: ${await links.innerText()}`)
    const href = await links.getAttribute('href')
    assert(href.endsWith(`/materials/${goodId}/file`), `the link opens ${href}, not the current photo`)
    const photo = await desk.request.get(BASE_URL + href)
    assert(photo.status() === 200 && photo.headers()['content-type'] === 'image/jpeg', `clerk reads the photo: ${photo.status()}`)
    await desk.getByTestId('mark-business_scope').locator('input').fill(SCOPE_REASON)
    await desk.getByTestId('mark-id_card').locator('input').fill(PHOTO_REASON)
    await clickAndConfirm(desk, desk.getByTestId('staff-correction'), desk.getByTestId('staff-status').filter({ hasText: '补正' }))
  })

  await check('(10) each reason shows next to its field or material, prominent; the button says 提交补正', page, async () => {
    await page.goto(`${BASE_URL}/cases/${caseId}`, { waitUntil: 'networkidle' })
    const banner = page.getByTestId('case-corrections')
    await banner.filter({ hasText: `经营范围：${SCOPE_REASON}` }).waitFor()
    await banner.filter({ hasText: `居民身份证：${PHOTO_REASON}` }).waitFor()
    await page.getByTestId('case-fix').click()
    await page.getByTestId('apply-page').waitFor()
    await page.getByTestId('apply-corrections').filter({ hasText: `居民身份证：${PHOTO_REASON}` }).waitFor()
    const reason = row('id_card').getByTestId('material-correction')
    await reason.filter({ hasText: PHOTO_REASON }).waitFor()
    assert((await row('id_card').getByTestId('material-attached').count()) === 0, 'the row still says 已提供 while a correction is asked')
    await row('id_card').getByTestId('material-needs-correction').waitFor()
    const { ratio, fontSize } = await contrastOf(reason)
    assert(ratio >= 4.5 && fontSize >= 14, `the reason is hard to read: contrast ${ratio.toFixed(2)}, ${fontSize}px`)
    const fieldReason = page.getByTestId('field-business_scope').locator('.van-field__error-message')
    await fieldReason.filter({ hasText: SCOPE_REASON }).waitFor()
    assert((await page.getByTestId('apply-submit').innerText()).trim() === '提交补正', 'the button should say 提交补正')
  })

  await check('(10) retaking the photo and fixing the field resubmits', page, async () => {
    await page.getByTestId('upload-id_card').locator('input[type=file]').setInputFiles(OTHER_PHOTO)
    await row('id_card').getByTestId('material-attached').filter({ hasText: '已重新提供' }).waitFor()
    await page.getByTestId('field-business_scope').locator('textarea').fill('小吃、饮品零售')
    await page.getByTestId('field-business_scope').locator('textarea').blur()
    await page.getByTestId('apply-submit').click()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    const slots = (await caseNow(page, caseId)).materials
    assert(slots.length === 1 && slots[0].material_id !== goodId, `after the corrected retake: ${JSON.stringify(slots)}`)
  })

  await check('the clerk still sees one link, then accepts and approves', desk, async () => {
    await desk.reload({ waitUntil: 'networkidle' })
    const links = desk.getByTestId('staff-material-id_card').locator('a')
    await links.first().waitFor()
    assert((await links.count()) === 1, `links after the retake: ${await links.count()}`)
    await clickAndConfirm(desk, desk.getByTestId('staff-accept'), desk.getByTestId('staff-status').filter({ hasText: '已受理' }))
    await clickAndConfirm(desk, desk.getByTestId('staff-approve'), desk.getByTestId('staff-status').filter({ hasText: /已办结|审批通过/ }))
  })

  await check('(4) the form of an approved case opens read-only, without codes', page, async () => {
    await page.goto(`${BASE_URL}/apply/${caseId}`, { waitUntil: 'networkidle' })
    await page.getByTestId('apply-readonly').waitFor()
    assert((await page.getByTestId('apply-submit').count()) === 0, 'an approved case offers 提交')
    const name = page.getByTestId('field-business_name').locator('input')
    assert((await name.inputValue()) === '赵六小吃店', 'the form values are shown')
    assert((await name.getAttribute('readonly')) !== null, 'the field can still be edited')
    for (const id of ['material-take-photo', 'material-retake', 'material-remove', 'material-library']) {
      assert((await page.getByTestId(id).count()) === 0, `${id} on a read-only case`)
    }
    await row('id_card').getByTestId('material-thumb').waitFor()
    await row('id_card').getByTestId('material-attached').filter({ hasText: /^已提供$/ }).waitFor()
    const text = await page.locator('body').innerText()
    assert(!/approved|illegal|edit\b/.test(text), `an internal code on the page: ${text}`)
  })

  await check('(4) from the read-only form the resident goes to the case progress', page, async () => {
    await page.getByTestId('apply-open-case').click()
    await page.getByTestId('case-status').filter({ hasText: /已办结|审批通过/ }).waitFor()
  })
} finally {
  await resident.close()
  await clerk.close()
}
finish()
