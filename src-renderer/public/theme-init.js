// Applies the remembered theme before the first paint (a plain script, so a strict CSP with script-src 'self' allows it).
try {
  var s = JSON.parse(localStorage.getItem('kps.settings.v1') || '{}');
  document.documentElement.dataset.theme = s.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
} catch (e) {
  // Storage disabled: the app falls back to the system theme once it starts.
}
