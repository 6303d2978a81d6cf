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
  catalog: {
    title: 'Services', search: 'Search, e.g. business licence, yyzz', all: 'All departments', empty: 'Nothing found; try other words',
    total: '{total} items', more: 'Load more', loading: 'Loading…', failed: 'Failed to load, tap to retry',
    online: 'Fully online', oneTrip: 'At most one trip', instant: 'Instant', ems: 'By post', appointment: 'Appointment', days: '{days} working days', sameDay: 'Same day',
  },
  guide: {
    basics: 'Basics', department: 'Department', kind: 'Type', legal: 'Legal time limit', promised: 'Promised time limit', fee: 'Fee',
    workingDays: '{days} working days', conditions: 'Conditions', materials: 'Materials', required: 'Required', conditional: 'If applicable',
    copies: '{copies} copies', certificate: 'The e-certificate “{name}” can be used instead', apply: 'Apply online', applySoon: 'Online applications open soon; bring these materials to the service centre meanwhile',
    notFound: 'This service does not exist or was withdrawn',
  },
  errors: { offline: 'Network connection failed, check your network and retry', unknown: 'Something went wrong, please retry' },
}
