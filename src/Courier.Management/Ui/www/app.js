// The shell: login and logout, the pages' routes (#/queues/<vhost>/<name>), periodic refresh.
'use strict';

(() => {
  const h = C.h;
  let current = null;
  let timer = 0;

  C.showLogin = message => {
    clearInterval(timer);
    document.getElementById('app').hidden = true;
    document.getElementById('login').hidden = false;
    document.getElementById('login-error').textContent = message || '';
    document.getElementById('login-user').focus();
  };

  C.logout = message => {
    sessionStorage.removeItem(C.authKey);
    sessionStorage.removeItem(C.userKey);
    C.user = null;
    C.showLogin(message);
  };

  const login = async event => {
    event.preventDefault();
    const user = document.getElementById('login-user').value;
    const password = document.getElementById('login-password').value;
    const auth = C.basic(user, password);
    const response = await fetch('/api/whoami', { headers: { Authorization: 'Basic ' + auth, 'X-Requested-With': 'XMLHttpRequest' }, cache: 'no-store' });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      document.getElementById('login-error').textContent =
        response.status === 401 && answer.reason === 'Not management user'
          ? 'This user has no management tag.'
          : 'Login failed: ' + (answer.reason || response.status);
      return;
    }
    sessionStorage.setItem(C.authKey, auth);
    sessionStorage.setItem(C.userKey, JSON.stringify(answer));
    document.getElementById('login-password').value = '';
    start();
  };

  /** Loads the vhosts the user sees into the selector at the top. */
  C.loadVhosts = async () => {
    C.vhosts = (await C.get('/api/vhosts?columns=name')) || [];
    const select = document.getElementById('vhost-filter');
    const chosen = sessionStorage.getItem('courier.vhost') || '';
    C.fill(select, h('option', { value: '' }, 'All'), C.vhosts.map(v => h('option', { value: v.name, selected: v.name === chosen }, v.name)));
  };

  // ---- overview samples, kept while logged in whatever page is shown ----
  C.rateNames = ['publish', 'deliver_get', 'ack', 'redeliver', 'confirm'];
  C.overviewRates = new C.Series(C.rateNames);
  C.overviewTotals = new C.Series(['messages', 'messages_ready', 'messages_unacknowledged']);
  C.sampleOverview = async () => {
    const overview = await C.get('/api/overview');
    const now = Date.now();
    const stats = overview.message_stats || {};
    const rates = {};
    for (const name of C.rateNames) rates[name] = C.dig(stats, name + '_details.rate') || 0;
    C.overviewRates.push(now, rates);
    const totals = overview.queue_totals || {};
    C.overviewTotals.push(now, { messages: totals.messages || 0, messages_ready: totals.messages_ready || 0, messages_unacknowledged: totals.messages_unacknowledged || 0 });
    C.overview = overview;
    return overview;
  };

  const route = () => {
    const parts = location.hash.replace(/^#\/?/, '').split('/').filter(p => p !== '').map(decodeURIComponent);
    const page = parts[0] || 'overview';
    const view = C.views[page];
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page);
    const main = document.getElementById('main');
    if (!view) {
      C.fill(main, h('h1', {}, 'Not found'), h('p', {}, 'No page ' + page + '.'));
      current = null;
      return;
    }
    current = view(...parts.slice(1));
    C.fill(main, current.el);
    document.title = 'Courier: ' + page;
  };

  const tick = async () => {
    try {
      await C.sampleOverview();
      if (current && current.refresh) await current.refresh();
    } catch (e) {
      if (!(e instanceof C.ApiError && e.error === 'not_authorized')) C.flash(e.message, true);
    }
  };

  const schedule = () => {
    clearInterval(timer);
    const seconds = Number(document.getElementById('refresh').value);
    sessionStorage.setItem('courier.refresh', String(seconds));
    if (seconds > 0) timer = setInterval(tick, seconds * 1000);
  };

  const start = async () => {
    C.user = JSON.parse(sessionStorage.getItem(C.userKey) || 'null');
    if (!sessionStorage.getItem(C.authKey) || !C.user) {
      C.showLogin();
      return;
    }
    document.getElementById('login').hidden = true;
    document.getElementById('app').hidden = false;
    document.getElementById('whoami').textContent = C.user.name + (C.user.tags && C.user.tags.length ? ' (' + [].concat(C.user.tags).join(', ') + ')' : '');
    // Admin holds users, vhosts and permissions (administrator) and policies (policymaker).
    document.getElementById('nav-admin').hidden = !(C.hasTag('administrator') || C.hasTag('policymaker'));
    document.getElementById('refresh').value = sessionStorage.getItem('courier.refresh') || '5';
    try {
      await C.loadVhosts();
      await C.sampleOverview();
    } catch (e) {
      if (!(e instanceof C.ApiError && e.error === 'not_authorized')) C.flash(e.message, true);
      if (!sessionStorage.getItem(C.authKey)) return;
    }
    route();
    schedule();
  };

  document.getElementById('login-form').addEventListener('submit', login);
  document.getElementById('logout').addEventListener('click', () => C.logout('Logged out.'));
  document.getElementById('refresh').addEventListener('change', schedule);
  document.getElementById('vhost-filter').addEventListener('change', event => {
    sessionStorage.setItem('courier.vhost', event.target.value);
    route();
  });
  window.addEventListener('hashchange', () => { if (C.user) route(); });
  start();
})();
