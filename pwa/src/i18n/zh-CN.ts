export default {
  app: { name: '一网通办', slogan: '只进一扇门，最多跑一次' },
  nav: { home: '首页', services: '办事', appointments: '预约', progress: '进度', me: '我的' },
  home: {
    welcome: '您好，欢迎使用一网通办',
    servicesDesc: '查办事指南，网上申请',
    appointmentsDesc: '预约大厅窗口',
    progressDesc: '像查快递一样查进度',
    meDesc: '我的资料与设置',
  },
  status: { checking: '正在连接服务器…', ok: '服务正常', down: '暂时无法连接服务器，请稍后再试' },
  largeText: { label: '大字模式', on: '已开启大字模式', off: '已关闭大字模式' },
  soon: { title: '即将上线', body: '“{name}” 功能正在建设中，敬请期待。需要办事可先到乡镇便民服务中心。', back: '返回首页' },
  me: { title: '我的', settings: '显示设置', about: '关于一网通办', version: '版本 {version}' },
  errors: { offline: '网络连接失败，请检查网络后重试', unknown: '出了点问题，请稍后重试' },
}
