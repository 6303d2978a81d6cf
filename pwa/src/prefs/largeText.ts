import { ref, watch } from 'vue'

/** 适老化: large-text mode, persisted on the device and applied before the first paint. */
const KEY = 'yiwang.largeText'

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === '1'
  } catch {
    return false
  }
}

function apply(on: boolean): void {
  const root = document.documentElement
  root.classList.toggle('large-text', on)
  root.dataset.largeText = on ? 'true' : 'false'
}

export const largeText = ref(read())

export function initLargeText(): void {
  apply(largeText.value)
  watch(largeText, (on) => {
    apply(on)
    try {
      localStorage.setItem(KEY, on ? '1' : '0')
    } catch {
      /* private mode: the setting lasts for this visit only */
    }
  })
}
