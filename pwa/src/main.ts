import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { initLargeText } from './prefs/largeText'
import { initLive } from './live'
import { installConsentGuard } from './consent'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import './styles/base.css'
import './styles/rows.css'

initLargeText() // before mount, so the first paint already has the right size
installConsentGuard(router)
createApp(App).use(router).use(i18n).mount('#app')
initLive(router)
