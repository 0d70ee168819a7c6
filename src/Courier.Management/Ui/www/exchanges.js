// Exchanges: the paged list with add, and an exchange's page (bindings, publish, delete).
'use strict';

(() => {
  const h = C.h;
  const features = e => [e.durable ? 'D' : '', e.auto_delete ? 'AD' : '', e.internal ? 'I' : '',
    Object.keys(e.arguments || {}).length ? 'Args' : ''].filter(f => f).join(' ');
  const display = name => (name === '' ? '(AMQP default)' : name);

  C.views.exchanges = (vhost, name) => {
    if (name !== undefined) return C.views.exchange(vhost, name);
    const list = C.pagedList({
      id: 'exchanges',
      path: () => C.listPath('exchanges'),
      fields: 'name,vhost,type,durable,auto_delete,internal,arguments,message_stats',
      empty: 'No exchanges.',
      columns: [
        { title: 'Vhost', sort: 'vhost', render: e => e.vhost },
        { title: 'Name', sort: 'name', render: e => C.link('exchanges', e.vhost, e.name === '' ? 'amq.default' : e.name, display(e.name)) },
        { title: 'Type', sort: 'type', render: e => e.type },
        { title: 'Features', render: features },
        { title: 'Rate in', render: e => C.rate(C.dig(e, 'message_stats.publish_in_details.rate') || 0), cls: 'num' },
        { title: 'Rate out', render: e => C.rate(C.dig(e, 'message_stats.publish_out_details.rate') || 0), cls: 'num' },
      ],
    });
    const types = ((C.overview && C.overview.exchange_types) || []).map(t => t.name);
    const add = C.declareForm('exchanges', [
      C.field('Type', 'type', { options: types.length ? types : ['direct', 'fanout', 'topic', 'headers'] }),
      C.field('Durable', 'durable', { type: 'checkbox', value: true }),
      C.field('Auto delete', 'auto_delete', { type: 'checkbox' }),
      C.field('Internal', 'internal', { type: 'checkbox' }),
    ], v => ({ type: v.type, durable: v.durable, auto_delete: v.auto_delete, internal: v.internal }), list.refresh);
    return { el: h('div', { class: 'page' }, h('h1', {}, 'Exchanges'), list.el, add), refresh: list.refresh };
  };

  C.views.exchange = (vhost, name) => {
    const base = C.path('exchanges', vhost, name);
    const facts = h('div', { id: 'exchange-facts' });
    const source = C.bindingsSection(vhost, 'exchanges', name, base + '/bindings/source');
    const destination = h('div');
    const isDefault = name === 'amq.default' || name === '';
    const loadDestination = async () => {
      const bindings = await C.get(base + '/bindings/destination');
      C.fill(destination, C.table([
        { title: 'From', render: b => C.link('exchanges', vhost, b.source) },
        { title: 'Routing key', render: b => b.routing_key },
        { title: 'Arguments', render: b => C.json(b.arguments) },
      ], bindings, 'No exchange binds to this one.'));
    };
    const refresh = async () => {
      const e = await C.getOrGone(base, facts, 'This exchange no longer exists.');
      if (!e) return;
      C.fill(facts, C.facts([
        ['Type', e.type], ['Features', features(e)], ['Arguments', C.json(e.arguments)],
      ]));
      if (!isDefault) {
        await source.refresh();
        await loadDestination();
      }
    };
    refresh();
    const el = h('div', { class: 'page exchange' },
      h('h1', {}, 'Exchange ', h('span', { class: 'name' }, display(isDefault ? '' : name)), h('span', { class: 'muted' }, ' in ' + vhost)),
      facts,
      isDefault ? h('p', { class: 'muted' }, 'The default exchange routes to the queue named by the routing key; its bindings are implicit.') : [source.el, h('h3', {}, 'Bindings to this exchange'), destination],
      C.publishForm(vhost, isDefault ? '' : name, ''),
      isDefault || name.startsWith('amq.') ? null : h('div', { class: 'actions' }, C.button('Delete exchange', async () => {
        if (await C.run(() => C.api('DELETE', base), `Deleted ${name}.`) !== undefined) location.hash = '#/exchanges';
      }, `Delete the exchange ${name}?`, 'danger')));
    return { el, refresh };
  };
})();
