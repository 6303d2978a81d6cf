// What WeChat DevTools “工具 → 构建 npm” (and miniprogram-ci packNpm) does for our one mini-program package:
// copy each dependency's `miniprogram` folder to miniprogram_npm/<name>. The tests render pages against it, the
// way the app resolves "@vant/weapp/button/index". Run: node scripts/build-npm.js
const fs = require('fs')
const path = require('path')

const root = path.resolve(__dirname, '..')

function buildNpm() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'))
  for (const name of Object.keys(pkg.dependencies || {})) {
    const dir = path.join(root, 'node_modules', name)
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'))
    if (!meta.miniprogram) continue
    const out = path.join(root, 'miniprogram_npm', name)
    fs.rmSync(out, { recursive: true, force: true })
    fs.cpSync(path.join(dir, meta.miniprogram), out, { recursive: true })
  }
}

module.exports = buildNpm
if (require.main === module) buildNpm()
