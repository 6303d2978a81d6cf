import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'

// Vant's icon font falls back to a CDN copy; the embedded woff2 is enough, and nothing we
// ship may reach the internet (CSP font-src 'self' data:).
function noRemoteFonts(): Plugin {
  return {
    name: 'yiwang-no-remote-fonts',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('vant') || !id.endsWith('.css')) return null
      return code.replace(/,url\((?:https?:)?\/\/at\.alicdn\.com[^)]*\) format\("[a-z]+"\)/g, '')
    },
  }
}

export default defineConfig({
  plugins: [
    noRemoteFonts(),
    vue(),
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
  ],
  build: { target: 'es2019', sourcemap: false },
})
