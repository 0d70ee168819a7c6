// Admin: users (tags, password), vhosts, permissions and topic permissions (administrator) and policies (policymaker;
// operator policies for administrators), in RabbitMQ's JSON.
'use strict';

(() => {
  const h = C.h;

  const section = (title, id, load, form) => {
    const box = h('div', { class: 'admin-list', id: id + '-list' });
    const refresh = async () => {
      try { C.fill(box, await load()); } catch (e) {
        if (!(e instanceof C.ApiError && e.error === 'not_authorized')) C.fill(box, h('p', { class: 'error' }, e.message));
      }
    };
    refresh();
    return { el: h('section', { class: 'admin', id }, h('h2', {}, title), box, form(refresh)), refresh };
  };

  const tagsOf = u => [].concat(u.tags || []).join(', ');

  const users = () => section('Users', 'users', async () => C.table([
    { title: 'Name', render: u => u.name },
    { title: 'Tags', render: tagsOf },
    { title: 'Can access vhosts', render: u => u.vhosts },
    { title: '', render: u => (u.name === C.user.name ? '' : C.button('Delete', async () => {
      await C.run(() => C.api('DELETE', C.path('users', u.name)), `Deleted ${u.name}.`);
      await C.current.refresh();
    }, `Delete the user ${u.name}?`, 'danger small')) },
  ], await withVhosts(await C.get('/api/users')), 'No users.'), refresh => C.form('Add or update a user', [
    C.field('Name', 'name', { required: true }),
    C.field('Password', 'password', { type: 'password' }),
    C.field('Tags (comma-separated)', 'tags', { placeholder: 'administrator, monitoring, policymaker, management' }),
    h('p', { class: 'muted' }, 'Leave the password empty to keep an existing user\'s password and change its tags only.'),
  ], 'Save user', async values => {
    const tags = values.tags.split(',').map(t => t.trim()).filter(t => t);
    const body = values.password ? { password: values.password, tags } : { tags };
    await C.run(() => C.api('PUT', C.path('users', values.name), body), `Saved ${values.name}.`);
    await refresh();
  }, { id: 'add-user' }));

  /** Adds to each user the vhosts it has permissions in. */
  const withVhosts = async list => {
    const permissions = await C.get('/api/permissions');
    return list.map(u => Object.assign({}, u, { vhosts: permissions.filter(p => p.user === u.name).map(p => p.vhost).join(', ') || '—' }));
  };

  const vhosts = () => section('Virtual hosts', 'vhosts', async () => C.table([
    { title: 'Name', render: v => v.name },
    { title: 'Description', render: v => v.description },
    { title: 'Ready', render: v => C.num(v.messages_ready), cls: 'num' },
    { title: 'Unacked', render: v => C.num(v.messages_unacknowledged), cls: 'num' },
    { title: 'Total', render: v => C.num(v.messages), cls: 'num' },
    { title: '', render: v => C.button('Delete', async () => {
      await C.run(() => C.api('DELETE', C.path('vhosts', v.name)), `Deleted ${v.name}.`);
      await C.loadVhosts();
      await C.current.refresh();
    }, `Delete the vhost ${v.name}, its queues and exchanges, and close its connections?`, 'danger small') },
  ], await C.get('/api/vhosts'), 'No vhosts.'), refresh => C.form('Add a virtual host', [
    C.field('Name', 'name', { required: true }),
    C.field('Description', 'description'),
  ], 'Add vhost', async values => {
    await C.run(() => C.api('PUT', C.path('vhosts', values.name), { description: values.description }), `Added ${values.name}.`);
    await C.loadVhosts();
    await refresh();
  }, { id: 'add-vhost' }));

  const permissions = () => section('Permissions', 'permissions', async () => C.table([
    { title: 'User', render: p => p.user },
    { title: 'Vhost', render: p => p.vhost },
    { title: 'Configure', render: p => h('code', {}, p.configure) },
    { title: 'Write', render: p => h('code', {}, p.write) },
    { title: 'Read', render: p => h('code', {}, p.read) },
    { title: '', render: p => C.button('Clear', async () => {
      await C.run(() => C.api('DELETE', C.path('permissions', p.vhost, p.user)), 'Cleared.');
      await C.current.refresh();
    }, `Clear ${p.user}'s permissions in ${p.vhost}?`, 'danger small') },
  ], await C.get('/api/permissions'), 'No permissions.'), refresh => C.form('Set permissions', [
    C.field('User', 'user', { required: true }),
    C.field('Vhost', 'vhost', { options: C.vhostOptions() }),
    C.field('Configure regexp', 'configure', { value: '.*' }),
    C.field('Write regexp', 'write', { value: '.*' }),
    C.field('Read regexp', 'read', { value: '.*' }),
  ], 'Set permission', async values => {
    await C.run(() => C.api('PUT', C.path('permissions', values.vhost, values.user), { configure: values.configure, write: values.write, read: values.read }), 'Permissions set.');
    await refresh();
  }, { id: 'set-permission' }));

  const topicPermissions = () => section('Topic permissions', 'topic-permissions', async () => C.table([
    { title: 'User', render: p => p.user },
    { title: 'Vhost', render: p => p.vhost },
    { title: 'Exchange', render: p => p.exchange },
    { title: 'Write', render: p => h('code', {}, p.write) },
    { title: 'Read', render: p => h('code', {}, p.read) },
    { title: '', render: p => C.button('Clear', async () => {
      await C.run(() => C.api('DELETE', C.path('topic-permissions', p.vhost, p.user)), 'Cleared.');
      await C.current.refresh();
    }, `Clear ${p.user}'s topic permissions in ${p.vhost} (every exchange's)?`, 'danger small') },
  ], await C.get('/api/topic-permissions'), 'No topic permissions.'), refresh => C.form('Set topic permission', [
    C.field('User', 'user', { required: true }),
    C.field('Vhost', 'vhost', { options: C.vhostOptions() }),
    C.field('Exchange', 'exchange', { value: 'amq.topic', required: true }),
    C.field('Write regexp', 'write', { value: '.*' }),
    C.field('Read regexp', 'read', { value: '.*' }),
  ], 'Set topic permission', async values => {
    await C.run(() => C.api('PUT', C.path('topic-permissions', values.vhost, values.user), { exchange: values.exchange, write: values.write, read: values.read }), 'Topic permission set.');
    await refresh();
  }, { id: 'set-topic-permission' }));

  const policies = (kind, title) => section(title, kind, async () => C.table([
    { title: 'Vhost', render: p => p.vhost },
    { title: 'Name', render: p => p.name },
    { title: 'Pattern', render: p => h('code', {}, p.pattern) },
    { title: 'Apply to', render: p => p['apply-to'] },
    { title: 'Definition', render: p => C.json(p.definition) },
    { title: 'Priority', render: p => p.priority, cls: 'num' },
    { title: '', render: p => C.button('Delete', async () => {
      await C.run(() => C.api('DELETE', C.path(kind, p.vhost, p.name)), `Deleted ${p.name}.`);
      await C.current.refresh();
    }, `Delete the policy ${p.name}?`, 'danger small') },
  ], await C.get(C.listPath(kind)), 'None.'), refresh => C.form(kind === 'policies' ? 'Add or update a policy' : 'Add or update an operator policy', [
    C.field('Vhost', 'vhost', { options: C.vhostOptions() }),
    C.field('Name', 'name', { required: true }),
    C.field('Pattern (regexp)', 'pattern', { required: true, placeholder: '^orders\\.' }),
    C.field('Apply to', 'apply-to', { options: kind === 'policies' ? ['all', 'queues', 'exchanges'] : ['queues'] }),
    C.field('Priority', 'priority', { type: 'number', value: '0' }),
    C.field('Definition (JSON)', 'definition', { type: 'textarea', rows: 3, placeholder: '{"max-length": 1000, "message-ttl": 60000}' }),
  ], 'Save policy', async values => {
    await C.run(() => C.api('PUT', C.path(kind, values.vhost, values.name), {
      pattern: values.pattern,
      definition: C.parseObject(values.definition, 'Definition'),
      priority: Number(values.priority) || 0,
      'apply-to': values['apply-to'],
    }), `Saved ${values.name}.`);
    await refresh();
  }, { id: 'add-' + kind }));

  C.views.admin = () => {
    const parts = [];
    if (C.hasTag('administrator')) parts.push(users(), vhosts(), permissions(), topicPermissions());
    if (C.hasTag('policymaker')) parts.push(policies('policies', 'Policies'));
    if (C.hasTag('administrator')) parts.push(policies('operator-policies', 'Operator policies'));
    const view = {
      el: h('div', { class: 'page admin-page' }, h('h1', {}, 'Admin'),
        parts.length ? parts.map(p => p.el) : h('p', { class: 'muted' }, 'This user may not administer the broker.')),
      refresh: async () => { for (const p of parts) await p.refresh(); },
    };
    C.current = view;
    return view;
  };
})();
