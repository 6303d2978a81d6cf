import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import VueI18nPlugin from '@intlify/unplugin-vue-i18n/vite'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'

// Vant's icon font falls back to a CDN copy; nothing we ship may reach the internet (CSP
// font-src 'self' data:). The font itself (25 KB, 34 KB as base64) is embedded in Vant's CSS as a
// data URL, so every first paint waited for it: in the build it becomes a file of its own, fetched
// only once an icon shows.
function vantIconFont(): Plugin {
  let fontRef: string | undefined
  let build = false
  return {
    name: 'yiwang-vant-icon-font',
    enforce: 'pre',
    configResolved(config) {
      build = config.command === 'build'
    },
    transform(code, id) {
      if (!id.includes('vant') || !id.endsWith('.css')) return null
      let css = code.replace(/,url\((?:https?:)?\/\/at\.alicdn\.com[^)]*\) format\("[a-z]+"\)/g, '')
      if (build) css = css.replace(/url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)/, (_, data: string) => {
        fontRef ??= this.emitFile({ type: 'asset', name: 'vant-icon.woff2', source: Buffer.from(data, 'base64') })
        return `url(__VITE_ASSET__${fontRef}__)`
      })
      return css
    },
  }
}

// vite-plugin-pwa writes the service worker after the bundle is compressed: compress it too.
function precompressServiceWorker(): Plugin {
  let outDir = 'dist'
  return {
    name: 'yiwang-precompress-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = config.build.outDir.startsWith('/') ? config.build.outDir : `${config.root}/${config.build.outDir}`
    },
    closeBundle: {
      sequential: true,
      order: 'post',
      async handler() {
        for (const name of readdirSync(outDir).filter((n) => /^(sw|workbox-[\w-]+)\.js$/.test(n))) {
          const source = readFileSync(`${outDir}/${name}`)
          writeFileSync(`${outDir}/${name}.gz`, gzipSync(source, { level: 9 }))
          writeFileSync(`${outDir}/${name}.br`, brotliCompressSync(source))
        }
      },
    },
  }
}

export default defineConfig({
  plugins: [
    vantIconFont(),
    vue(),
    // Messages compiled at build time: the runtime-only vue-i18n ships without its compiler.
    VueI18nPlugin({
      include: [fileURLToPath(new URL('./src/i18n/{zh-CN,en}.ts', import.meta.url))],
      runtimeOnly: true,
      compositionOnly: true,
      fullInstall: false,
      dropMessageCompiler: true,
    }),
    // Vant components are imported one by one as templates use them: small first load.
    Components({ resolvers: [VantResolver()], dts: false }),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
      filename: 'sw.js',
      includeAssets: ['icons/favicon-32.png', 'icons/apple-touch-icon-180.png'],
      manifest: {
        name: '一网通办',
        short_name: '一网',
        description: '在手机上办政务事项：网上申请、拍照上传材料、预约、查进度、邮寄证照',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#f7f8fa',
        theme_color: '#1989fa',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg}'], // icons and the manifest come from includeAssets/manifest
        navigateFallback: '/index.html',
        // API answers are live data: never served from the cache.
        navigateFallbackDenylist: [/^\/api\//, /^\/healthz$/, /^\/readyz$/],
        cleanupOutdatedCaches: true,
        // Web Push (push + notificationclick) in a plain script next to the generated worker;
        // the browser keeps imported scripts with the worker and checks them on each update.
        importScripts: ['/push-sw.js'],
        globIgnores: ['**/node_modules/**/*', 'push-sw.js'],
      },
    }),
    // name.br and name.gz beside each file, served by nginx (gzip_static/brotli_static) and the
    // app (backend/static.py) to clients that accept them.
    compression({
      include: /\.(html|js|mjs|css|svg|json|webmanifest)$/,
      threshold: 512,
      algorithms: [defineAlgorithm('gzip', { level: 9 }), defineAlgorithm('brotliCompress')],
      logLevel: 'silent',
    }),
    precompressServiceWorker(),
  ],
  // One stylesheet (15 KB compressed) instead of four render-blocking requests on the first paint
  // and one more per screen later.
  build: { target: 'es2019', sourcemap: false, cssCodeSplit: false },
})
