export default {
  app: { name: 'Yiwang', slogan: 'One door, at most one trip' },
  nav: { home: 'Home', services: 'Services', appointments: 'Book', progress: 'Progress', me: 'Me' },
  home: {
    welcome: 'Welcome to Yiwang',
    servicesDesc: 'Service guides, apply online',
    appointmentsDesc: 'Book a service hall window',
    progressDesc: 'Track your case like a parcel',
    meDesc: 'My details and settings',
  },
  status: { checking: 'Connecting…', ok: 'Service is up', down: 'Cannot reach the server, please try later' },
  largeText: { label: 'Large text', on: 'Large text on', off: 'Large text off' },
  soon: { title: 'Coming soon', body: '“{name}” is being built. Meanwhile the township service centre can help.', back: 'Back to home' },
  me: {
    title: 'Me', settings: 'Display', about: 'About Yiwang', version: 'Version {version}',
    notLoggedIn: 'You are not logged in', login: 'Log in / Sign up', logout: 'Log out', logoutConfirm: 'Log out now?',
    name: 'Name', idNumber: 'ID number', phone: 'Phone', verified: 'Verified', unverified: 'Not verified',
    verifyNow: 'Verify my identity', devices: 'Devices', thisDevice: 'This device', signOutDevice: 'Sign out', deviceSignedOut: 'Device signed out',
    loggedOut: 'Logged out',
  },
  login: {
    title: 'Phone login', phone: 'Phone', phonePlaceholder: '11-digit mobile number', code: 'Code', codePlaceholder: '6-digit SMS code',
    send: 'Send code', resend: 'Resend in {seconds}s', sent: 'Code sent, check your messages', submit: 'Log in',
    phoneInvalid: 'Enter a valid 11-digit mobile number', codeInvalid: 'Enter the 6-digit code', hint: 'New numbers are registered automatically',
  },
  identity: {
    title: 'Verify identity', intro: 'Government services need your real name. Your details are stored encrypted.',
    name: 'Name', namePlaceholder: 'As on your ID card', idNumber: 'ID number', idPlaceholder: '18-character ID number',
    submit: 'Verify', done: 'Identity verified', required: 'Required',
  },
  errors: { offline: 'Network connection failed, check your network and retry', unknown: 'Something went wrong, please retry' },
}
