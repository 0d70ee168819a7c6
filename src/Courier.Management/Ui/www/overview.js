// Overview: object totals, queued messages and message rates over time, listeners, the node.
'use strict';

C.views.overview = () => {
  const h = C.h;
  const totals = h('div', { class: 'tiles', id: 'totals' });
  const queued = C.chart('queued', 'Queued messages', C.overviewTotals, C.num);
  const rates = C.chart('rates', 'Message rates', C.overviewRates, C.rate);
  const node = h('div', { id: 'node' });
  const note = h('p', { class: 'muted note', id: 'rates-note' });
  const el = h('div', { class: 'page overview' },
    h('h1', {}, 'Overview'),
    totals,
    h('div', { class: 'charts' }, queued.el, rates.el),
    note,
    node);

  const tile = (label, value, href) => h(href ? 'a' : 'div', { class: 'tile', href, dataset: { total: label.toLowerCase() } }, h('span', { class: 'value' }, C.num(value)), h('span', { class: 'label' }, label));

  const refresh = async () => {
    const o = C.overview || (await C.sampleOverview());
    const t = o.object_totals || {};
    const q = o.queue_totals || {};
    C.fill(totals,
      tile('Connections', t.connections, '#/connections'),
      tile('Channels', t.channels, '#/channels'),
      tile('Exchanges', t.exchanges, '#/exchanges'),
      tile('Queues', t.queues, '#/queues'),
      tile('Consumers', t.consumers),
      tile('Messages', q.messages),
      tile('Ready', q.messages_ready),
      tile('Unacked', q.messages_unacknowledged));
    queued.render();
    rates.render();
    note.textContent = o.rates_mode === 'none'
      ? 'This node does not measure message rates (rates_mode none): the rates chart stays at zero.'
      : `Rates from message_stats (rates_mode ${o.rates_mode}), sampled every refresh.`;
    C.fill(node,
      h('h2', {}, 'Node'),
      C.facts([
        ['Node', o.node],
        ['Product', (o.product_name || '') + ' ' + (o.product_version || '')],
        ['Management API', o.management_version],
      ]),
      h('h2', {}, 'Listeners'),
      C.table([
        { title: 'Protocol', render: l => l.protocol },
        { title: 'Address', render: l => l.ip_address },
        { title: 'Port', render: l => l.port, cls: 'num' },
      ], o.listeners));
  };

  refresh();
  return { el, refresh };
};
