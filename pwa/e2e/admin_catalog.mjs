// 事项管理 (issue 15) through the real stack in a phone browser: the demo administrator opens the catalog,
// edits 设立个体工商户登记 (adds a required material and a form field), saves it as a new version and sees
// what that version changed in the history; a form field key used twice is refused beside the field, and
// nothing of it is saved.
// Env: BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE + ADMIN_PASSWORD (an administrator).
import { assert, checklist, clerkSignsIn, phoneBrowser } from './harness.mjs'

const env = process.env
const { BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE, ADMIN_PASSWORD } = env
if (!BASE_URL || !SMS_GATEWAY_URL || !ADMIN_PHONE || !ADMIN_PASSWORD) {
  console.error('BASE_URL, SMS_GATEWAY_URL, ADMIN_PHONE and ADMIN_PASSWORD are required')
  process.exit(2)
}
const { check, finish } = checklist('admin_catalog')
const YYZZ = '000105001000'
const versionOf = async (page) => Number((await page.getByTestId('catalog-version').textContent()).match(/第 (\d+) 版/)[1])

try {
  const desk = await phoneBrowser()
  const page = desk.page
  try {
    await check('the administrator signs in and opens 事项管理 from 管理后台', page, async () => {
      page.setDefaultTimeout(30000)
      await clerkSignsIn(page, { baseUrl: BASE_URL, gatewayUrl: SMS_GATEWAY_URL, phone: ADMIN_PHONE, password: ADMIN_PASSWORD })
      page.setDefaultTimeout(10000)
      await page.goto(BASE_URL + '/admin', { waitUntil: 'networkidle' })
      await page.getByTestId('admin-link-catalog').click()
      await page.getByTestId('catalog-list').waitFor()
      await page.getByTestId('catalog-search').locator('input').fill('个体')
      await page.getByTestId(`catalog-row-${YYZZ}`).click()
      await page.getByTestId('catalog-history').waitFor()
    })

    let before = 0
    await check('a required material and a number field are added and saved as the next version', page, async () => {
      before = await versionOf(page)
      const materials = await page.locator('[data-testid^="catalog-material-name-"]').count()
      await page.getByTestId('catalog-add-material').click()
      await page.getByTestId(`catalog-material-name-${materials}`).locator('input').fill('场地租赁合同')
      await page.getByTestId(`catalog-material-key-${materials}`).locator('input').fill('lease')
      const fields = await page.locator('[data-testid^="catalog-field-label-"]').count()
      await page.getByTestId('catalog-add-field').click()
      await page.getByTestId(`catalog-field-label-${fields}`).locator('input').fill('经营面积')
      await page.getByTestId(`catalog-field-key-${fields}`).locator('input').fill('shop_area')
      await page.getByTestId(`catalog-field-type-${fields}`).selectOption('number')
      await page.getByTestId('catalog-save').click()
      await page.getByText(`已保存为第 ${before + 1} 版`).waitFor()
      await page.getByTestId(`catalog-history-${before + 1}`).waitFor()
      assert((await versionOf(page)) === before + 1, 'the version shown is the new one')
      const entry = await page.getByTestId(`catalog-history-${before + 1}`).textContent()
      assert(entry.includes('申请材料') && entry.includes('场地租赁合同') && entry.includes('经营面积'), `history: ${entry}`)
      assert(/[\u4e00-\u9fff]\*+ 保存于/.test(entry) && !entry.includes('person:'), `the saver is named, masked: ${entry}`)
    })

    await check('a form field key used twice is refused beside the field and no version is made', page, async () => {
      const fields = await page.locator('[data-testid^="catalog-field-label-"]').count()
      await page.getByTestId('catalog-add-field').click()
      await page.getByTestId(`catalog-field-label-${fields}`).locator('input').fill('面积')
      await page.getByTestId(`catalog-field-key-${fields}`).locator('input').fill('shop_area')
      await page.getByTestId('catalog-save').click()
      await page.getByText('表单项编码“shop_area”重复').waitFor()
      assert((await versionOf(page)) === before + 1, 'still the same version')
    })

    await check('the resident guide shows the new material', page, async () => {
      const guide = await page.evaluate(async (code) => (await fetch(`/api/v1/services/${code}`)).json(), YYZZ)
      assert(guide.version === before + 1 && guide.materials.some((m) => m.key === 'lease'), `guide: v${guide.version}`)
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
