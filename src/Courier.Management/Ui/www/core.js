// Courier management UI: shared helpers (DOM, API calls with basic auth, formatting, forms).
// Plain browser JavaScript, no build step; every file is embedded in Courier.Management.
'use strict';

const C = (window.Courier = {
  views: {},
  user: null,
  vhosts: [],
  authKey: 'courier.auth',
  userKey: 'courier.user',
});

/** Builds an element: h('a', {href: '#'}, 'text', child, ...). on* attributes become listeners. */
C.h = function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
};
const h = C.h;

/** An API path from segments, each percent-encoded (the vhost "/" becomes %2F). */
C.path = (...segments) => '/api/' + segments.map(s => encodeURIComponent(s)).join('/');

/** The query string of a parameter object, skipping empty values. */
C.query = params => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? '?' + text : '';
};

class ApiError extends Error {
  constructor(status, error, reason) {
    super(reason || error || ('HTTP ' + status));
    this.status = status;
    this.error = error;
  }
}
C.ApiError = ApiError;

/**
 * Calls the API with the session's credentials. A failed login (401 "not_authorized") ends the
 * session and shows the login page; any other refusal throws an ApiError with the API's reason.
 */
C.api = async function api(method, path, body, extraHeaders) {
  const auth = sessionStorage.getItem(C.authKey);
  if (!auth) {
    C.showLogin();
    throw new ApiError(401, 'not_authorized', 'Not logged in');
  }
  const headers = Object.assign({ Authorization: 'Basic ' + auth, 'X-Requested-With': 'XMLHttpRequest' }, extraHeaders || {});
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (response.status === 401 && (!json || json.error === 'not_authorized')) {
    C.logout('Your session ended: log in again.');
    throw new ApiError(401, 'not_authorized', 'Login failed');
  }
  if (!response.ok) throw new ApiError(response.status, json && json.error, json && json.reason);
  return json;
};
C.get = path => C.api('GET', path);

/** An object's JSON for its page; undefined (and `gone` shown in `el`) once it no longer exists. */
C.getOrGone = async (path, el, gone) => {
  try {
    return await C.get(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) C.fill(el, C.h('p', { class: 'error' }, gone));
    else if (!(e instanceof ApiError && e.error === 'not_authorized')) C.flash(e.message, true);
    return undefined;
  }
};

/** Base64 of UTF-8 "user:password", as basic auth wants it. */
C.basic = (user, password) => {
  const bytes = new TextEncoder().encode(user + ':' + password);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

C.hasTag = tag => {
  const tags = (C.user && C.user.tags) || [];
  const list = Array.isArray(tags) ? tags : String(tags).split(',');
  if (list.includes('administrator')) return true;
  if (tag === 'monitoring' || tag === 'policymaker') return list.includes(tag);
  return tag === 'management' && list.some(t => ['management', 'monitoring', 'policymaker'].includes(t));
};

/** A short message at the top of the page; errors stay until the next one. */
C.flash = (message, isError) => {
  const el = document.getElementById('flash');
  el.textContent = message;
  el.className = isError ? 'flash error' : 'flash';
  el.hidden = false;
  clearTimeout(C.flashTimer);
  if (!isError) C.flashTimer = setTimeout(() => { el.hidden = true; }, 4000);
};

/** Runs an action of a form or button, flashing its result or the API's refusal. */
C.run = async (action, success) => {
  try {
    const result = await action();
    if (success) C.flash(typeof success === 'function' ? success(result) : success);
    return result;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401 && e.error === 'not_authorized')) C.flash(e.message, true);
    return undefined;
  }
};

// ---- formatting ----
C.num = v => (v === undefined || v === null ? '' : Number(v).toLocaleString('en-US'));
C.rate = v => (v === undefined || v === null ? '' : (Math.round(Number(v) * 10) / 10).toLocaleString('en-US', { minimumFractionDigits: 1 }) + '/s');
C.dig = (obj, dotted) => dotted.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
/** An item's message rate, e.g. C.statRate(queue, 'publish') from message_stats.publish_details.rate. */
C.statRate = (item, name) => C.rate(C.dig(item, 'message_stats.' + name + '_details.rate') || 0);
C.json = v => (v === undefined || v === null ? '' : JSON.stringify(v));
C.time = ms => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '') : '');
C.yesNo = v => (v ? 'yes' : 'no');

/** Parses a JSON object typed into a form ("" is {}); throws a readable error. */
C.parseObject = (text, what) => {
  if (!text || !text.trim()) return {};
  let value;
  try { value = JSON.parse(text); } catch (e) { throw new Error(what + ' is not JSON: ' + e.message); }
  if (typeof value !== 'object' || Array.isArray(value) || value === null) throw new Error(what + ' must be a JSON object');
  return value;
};

// ---- forms ----
/** A labelled input; options: {type, value, placeholder, required, options:[...] for a select}. */
C.field = (label, name, options = {}) => {
  let input;
  if (options.options) {
    input = h('select', { name, id: options.id }, options.options.map(o => {
      const [value, text] = Array.isArray(o) ? o : [o, o];
      return h('option', { value, selected: value === options.value }, text);
    }));
  } else if (options.type === 'textarea') {
    input = h('textarea', { name, id: options.id, rows: options.rows || 3, placeholder: options.placeholder }, options.value || '');
  } else if (options.type === 'checkbox') {
    input = h('input', { type: 'checkbox', name, id: options.id, checked: !!options.value });
    return h('label', { class: 'check' }, input, ' ', label);
  } else {
    input = h('input', { type: options.type || 'text', name, id: options.id, value: options.value, placeholder: options.placeholder, required: options.required, min: options.min });
  }
  return h('label', {}, label, input);
};

/** A form whose submit calls onSubmit(values) (checkboxes as booleans); the form stays filled. */
C.form = (title, fields, buttonText, onSubmit, attrs = {}) => {
  const form = h('form', Object.assign({ class: 'card form' }, attrs), h('h3', {}, title), fields, h('button', { type: 'submit' }, buttonText));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const values = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      values[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try { await onSubmit(values, form); } finally { button.disabled = false; }
  });
  return form;
};

/** A button that asks first (window.confirm) when `question` is given. */
C.button = (text, onClick, question, cls) => h('button', {
  type: 'button',
  class: cls || 'small',
  onclick: async event => {
    if (question && !window.confirm(question)) return;
    event.currentTarget.disabled = true;
    try { await onClick(); } finally { if (event.currentTarget) event.currentTarget.disabled = false; }
  },
}, text);

/** A definition list of [label, value] pairs. */
C.facts = pairs => h('dl', { class: 'facts' }, pairs.filter(p => p).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === undefined || v === null || v === '' ? '—' : v)]));

/** A simple table: columns [{title, render(item), cls}]; `empty` is shown with no rows. */
C.table = (columns, items, empty, attrs = {}) => {
  if (!items || items.length === 0) return h('p', { class: 'muted' }, empty || 'None.');
  return h('table', Object.assign({ class: 'grid' }, attrs),
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.cls }, c.title)))),
    h('tbody', {}, items.map(item => h('tr', {}, columns.map(c => h('td', { class: c.cls }, c.render(item)))))));
};

/** Replaces an element's children. */
C.fill = (el, ...children) => {
  el.replaceChildren();
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
};

C.vhostOptions = () => C.vhosts.map(v => v.name);
C.selectedVhost = () => document.getElementById('vhost-filter').value;

/** A link to an object's page: kind 'queues' or 'exchanges', or 'connections' (no vhost). */
C.link = (kind, vhost, name, text) => {
  const target = vhost === null ? [kind, name] : [kind, vhost, name];
  return h('a', { href: '#/' + target.map(encodeURIComponent).join('/') }, text === undefined ? (name === '' ? '(AMQP default)' : name) : text);
};
