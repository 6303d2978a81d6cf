/** Residents for the tests: a valid, unused ID number each (GB 11643 check character), a 汉字 name. */
const crypto = require('crypto')

function idNumber() {
  const seq = String(100 + crypto.randomInt(800)).padStart(3, '0')
  const day = String(1 + crypto.randomInt(28)).padStart(2, '0')
  const body = `110105${1950 + crypto.randomInt(50)}0${1 + crypto.randomInt(9)}${day}${seq}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = weights.reduce((s, w, i) => s + w * Number(body[i]), 0)
  return body + '10X98765432'[sum % 11]
}

function phone() {
  return '139' + String(crypto.randomInt(1e8)).padStart(8, '0')
}

module.exports = { idNumber, phone }
