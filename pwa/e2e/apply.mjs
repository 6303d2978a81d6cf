// The heart of 一网通办 in two phone browsers: a resident searches, applies with a prefilled
// form and a photo, submits; a clerk asks once for a correction; the resident fixes it; the
// clerk accepts and approves. Env: BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, STAFF_PHONE,
// STAFF_PASSWORD, PHOTO_PATH (a JPEG the resident "takes").
import { assert, checklist, clerkSignsIn, imageLoads, phoneBrowser, residentSignsIn } from './harness.mjs'

const { BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD, PHOTO_PATH } = process.env
if (!BASE_URL || !SMS_GATEWAY_URL || !RESIDENT_PHONE || !STAFF_PHONE || !STAFF_PASSWORD || !PHOTO_PATH) {
  console.error('BASE_URL, SMS_GATEWAY_URL, RESIDENT_PHONE, STAFF_PHONE, STAFF_PASSWORD and PHOTO_PATH are required')
  process.exit(2)
}
const { check, finish } = checklist('apply')


const resident = await phoneBrowser()
const clerk = await phoneBrowser()
const page = resident.page
const desk = clerk.page
let caseUrl = ''

try {
  await check('resident logs in and verifies', page, async () => {
    // A person of their own: other journeys on the same stack verify other people.
    await residentSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: RESIDENT_PHONE, name: '王五', idNumber: '360426199101010071' })
  })

  await check('search yyzz, open the guide, start an application with a prefilled form', page, async () => {
    await page.goto(BASE_URL + '/services?q=yyzz', { waitUntil: 'networkidle' })
    await page.getByTestId('service-000105001000').click()
    await page.getByTestId('guide-apply').click()
    await page.getByTestId('apply-page').waitFor()
    const name = await page.getByTestId('field-applicant_name').locator('input').inputValue()
    const id = await page.getByTestId('field-applicant_id_number').locator('input').inputValue()
    assert(name === '王五' && id === '360426199101010071', `prefill: ${name} ${id}`)
  })

  await check('fill the rest, photograph the ID card with a progress bar, submit', page, async () => {
    await page.getByTestId('field-business_name').locator('input').fill('张三小吃店')
    await page.getByTestId('field-business_scope').locator('textarea').fill('小吃')
    await page.getByTestId('field-address').locator('input').fill('浙江省杭州市西湖区文三路100号')
    await page.getByTestId('field-address').locator('input').blur()
    await page.getByTestId('upload-id_card').locator('input[type=file]').setInputFiles(PHOTO_PATH)
    await page.getByTestId('material-id_card').getByTestId('material-attached').waitFor()
    await page.getByTestId('apply-submit').click()
    await page.getByTestId('case-page').waitFor()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
    // Wait for the image itself: it may still be on its way when the status shows.
    assert(await imageLoads(page, 'img[alt="办件二维码"]'), 'the tracking QR code did not load')
    caseUrl = page.url()
  })

  await check('the clerk logs in with password and SMS code and asks once for a correction', desk, async () => {
    await clerkSignsIn(desk, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: STAFF_PHONE, password: STAFF_PASSWORD })
    await desk.locator('[data-testid^="staff-case-"]').first().click()
    const href = await desk.getByTestId('staff-material-id_card').locator('a').first().getAttribute('href')
    const photo = await desk.request.get(BASE_URL + href)
    assert(photo.status() === 200 && photo.headers()['content-type'] === 'image/jpeg', `clerk reads the photo: ${photo.status()}`)
    const stranger = await fetch(BASE_URL + href)
    assert(stranger.status === 401, `anonymous read of the photo: ${stranger.status}`)
    await desk.getByTestId('mark-business_scope').locator('input').fill('经营范围请写完整，如：小吃、饮品零售')
    await desk.getByTestId('staff-correction').click()
    await desk.locator('.staff-confirm-correction .van-dialog__confirm').click() // the clerk confirms what is sent
    await desk.getByTestId('staff-status').filter({ hasText: '补正' }).waitFor()
  })

  await check('the resident sees every correction at once, fixes it and resubmits', page, async () => {
    await page.goto(caseUrl, { waitUntil: 'networkidle' })
    await page.getByTestId('case-fix').click()
    await page.getByTestId('apply-corrections').filter({ hasText: '经营范围' }).waitFor()
    await page.getByTestId('field-business_scope').locator('textarea').fill('小吃、饮品零售')
    await page.getByTestId('apply-submit').click()
    await page.getByTestId('case-status').filter({ hasText: '已提交' }).waitFor()
  })

  await check('the clerk accepts and approves; the resident sees it done on the timeline', desk, async () => {
    await desk.reload({ waitUntil: 'networkidle' })
    await desk.getByTestId('staff-accept').click()
    await desk.locator('.staff-confirm-accept .van-dialog__confirm').click()
    await desk.getByTestId('staff-status').filter({ hasText: '已受理' }).waitFor()
    await desk.getByTestId('staff-approve').click()
    await desk.locator('.staff-confirm-approve .van-dialog__cancel').click() // cancelling decides nothing
    await desk.locator('.staff-confirm-approve').waitFor({ state: 'hidden' })
    await desk.getByTestId('staff-status').filter({ hasText: '已受理' }).waitFor()
    await desk.getByTestId('staff-approve').click()
    await desk.locator('.staff-confirm-approve .van-dialog__confirm').click()
    await desk.getByTestId('staff-status').filter({ hasText: '已办结' }).waitFor()
    await page.goto(caseUrl, { waitUntil: 'networkidle' })
    await page.getByTestId('case-status').filter({ hasText: '已办结' }).waitFor()
    const timeline = await page.getByTestId('case-timeline').innerText()
    for (const step of ['已提交申请', '需要补正材料', '已补正并重新提交', '已受理', '审批通过']) assert(timeline.includes(step), `timeline: ${timeline}`)
  })

  await check('anyone with the tracking number and the phone digits can follow the case (the QR target)', desk, async () => {
    const trackingNo = (await page.getByText(/办件编号 \d{14}/).innerText()).match(/\d{14}/)[0]
    await desk.goto(`${BASE_URL}/track/${trackingNo}`, { waitUntil: 'networkidle' })
    await desk.getByTestId('track-digits').locator('input').fill(RESIDENT_PHONE.slice(-4))
    await desk.getByTestId('track-go').click()
    await desk.getByTestId('track-status').filter({ hasText: '已办结' }).waitFor()
  })
} finally {
  await resident.close()
  await clerk.close()
}
finish()
