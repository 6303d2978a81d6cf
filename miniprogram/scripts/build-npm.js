// What WeChat DevTools “工具 → 构建 npm” (and miniprogram-ci packNpm) does for our one mini-program package:
// copy each dependency's `miniprogram` folder to miniprogram_npm/<name> (a package without one: its `main` file as
// miniprogram_npm/<name>/index.js). The tests render pages against it, the
// way the app resolves "@vant/weapp/button/index". Run: node scripts/build-npm.js
const fs = require('fs')
const path = require('path')

const root = path.resolve(__dirname, '..')

function buildNpm() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'))
  for (const name of Object.keys(pkg.dependencies || {})) {
    const dir = path.join(root, 'node_modules', name)
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'))
    const out = path.join(root, 'miniprogram_npm', name)
    fs.rmSync(out, { recursive: true, force: true })
    if (meta.miniprogram) fs.cpSync(path.join(dir, meta.miniprogram), out, { recursive: true })
    // A plain CommonJS package (qrcode-generator: one file, no dependencies): 构建 npm packs its `main` as index.js.
    else if (meta.main) {
      fs.mkdirSync(out, { recursive: true })
      fs.copyFileSync(path.join(dir, meta.main), path.join(out, 'index.js'))
    }
  }
}

module.exports = buildNpm
if (require.main === module) buildNpm()
