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
  me: { title: 'Me', settings: 'Display', about: 'About Yiwang', version: 'Version {version}' },
  errors: { offline: 'Network connection failed, check your network and retry', unknown: 'Something went wrong, please retry' },
}
