// Where a subscribe message lands: the backend's page query (?path=<quote(PWA path, safe='')>) → a mini-program page.
const appJson = require('../app.json')
const { pageFor, decodePath, targetPages } = require('../utils/links')

// What notifications/channels.py sends: quote(url, safe='') of the links the backend writes.
const quote = (path) => encodeURIComponent(path)

test.each([
  ['/cases/123', '/pages/case/case?id=123'],
  ['/cases/123/delivery', '/pages/delivery/delivery?id=123'],
  ['/appointments/7', '/pages/appointment/appointment?id=7'],
  ['/appointments', '/pages/appointments/appointments'],
  ['/inbox', '/pages/inbox/inbox'],
  ['/me/security', '/pages/inbox/inbox'],
  ['/progress', '/pages/cases/cases'],
  ['/services/yyzz_01', '/pages/guide/guide?code=yyzz_01'],
])('%s opens %s, quoted or not', (path, page) => {
  expect(pageFor(quote(path))).toBe(page)
  expect(pageFor(path)).toBe(page)
})

test('anything else opens nothing (home stays)', () => {
  for (const raw of [undefined, '', 'cases/1', '%2Fcases%2Fabc', '/cases/1/../../admin', '/staff/cases/1', 'https%3A%2F%2Fevil.example%2F', '%E0%A4%A']) {
    expect(pageFor(raw)).toBeNull()
  }
  expect(decodePath('%252Fcases%252F9')).toBe('/cases/9') // quoted twice by a relay: still the same path
})

test('every page a notice may open is registered in app.json', () => {
  for (const page of targetPages()) expect([page, appJson.pages.includes(page)]).toEqual([page, true])
})
