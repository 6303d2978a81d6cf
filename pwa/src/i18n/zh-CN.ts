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
  me: {
    title: '我的', settings: '显示设置', about: '关于一网通办', version: '版本 {version}',
    notLoggedIn: '您还没有登录', login: '登录 / 注册', logout: '退出登录', logoutConfirm: '确定要退出登录吗？',
    name: '姓名', idNumber: '身份证号', phone: '手机号', verified: '已实名', unverified: '未实名',
    verifyNow: '去实名认证', devices: '登录设备', thisDevice: '本机', signOutDevice: '退出该设备', deviceSignedOut: '已退出该设备',
    loggedOut: '已退出登录',
  },
  login: {
    title: '手机号登录', phone: '手机号', phonePlaceholder: '请输入 11 位手机号', code: '验证码', codePlaceholder: '请输入 6 位短信验证码',
    send: '获取验证码', resend: '{seconds} 秒后重发', sent: '验证码已发送，请查看短信', submit: '登录',
    phoneInvalid: '请输入正确的 11 位手机号', codeInvalid: '请输入 6 位数字验证码', hint: '未注册的手机号验证后将自动注册',
  },
  identity: {
    title: '实名认证', intro: '办理政务服务需要实名认证。您的身份信息会加密保存，仅用于办事。',
    name: '姓名', namePlaceholder: '与身份证上的姓名一致', idNumber: '身份证号', idPlaceholder: '18 位身份证号码',
    submit: '提交认证', done: '实名认证成功', required: '此项必填',
  },
  catalog: {
    title: '办事', search: '搜索事项，如：营业执照、yyzz、医保', all: '全部部门', empty: '没有找到相关事项，换个说法试试，或到乡镇便民服务中心咨询',
    total: '共 {total} 项', more: '加载更多', loading: '加载中…', failed: '加载失败，点击重试',
    online: '全程网办', oneTrip: '最多跑一次', instant: '即办', ems: '可邮寄', appointment: '需预约', days: '承诺 {days} 个工作日', sameDay: '当场办结',
  },
  guide: {
    basics: '基本信息', department: '办理部门', kind: '事项类型', legal: '法定办结时限', promised: '承诺办结时限', fee: '收费标准',
    workingDays: '{days} 个工作日', conditions: '办理条件', materials: '申请材料', required: '必交', conditional: '视情况',
    copies: '{copies} 份', certificate: '可用电子证照“{name}”代替', apply: '在线申请', applySoon: '网上申请功能即将开通，现可携带以上材料到便民服务中心办理',
    notFound: '该事项不存在或已下线',
  },
  errors: { offline: '网络连接失败，请检查网络后重试', unknown: '出了点问题，请稍后重试' },
}
