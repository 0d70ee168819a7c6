// Connections (close with a reason, traffic) and channels (with their message rates).
'use strict';

(() => {
  const h = C.h;
  const vhostPath = kind => (C.selectedVhost() ? C.path('vhosts', C.selectedVhost(), kind) : C.path(kind));
  const client = c => {
    const p = c.client_properties || {};
    return [p.product, p.version].filter(x => x).join(' ') || (p.client_id ? 'client id ' + p.client_id : '');
  };

  const channelColumns = [
    { title: 'Channel', sort: 'name', render: ch => ch.name },
    { title: 'Connection', render: ch => C.link('connections', null, ch.connection_details.name) },
    { title: 'User', sort: 'user', render: ch => ch.user },
    { title: 'Vhost', sort: 'vhost', render: ch => ch.vhost },
    { title: 'Consumers', sort: 'consumer_count', render: ch => C.num(ch.consumer_count), cls: 'num' },
    { title: 'Prefetch', sort: 'prefetch_count', render: ch => C.num(ch.prefetch_count), cls: 'num' },
    { title: 'Unacked', sort: 'messages_unacknowledged', render: ch => C.num(ch.messages_unacknowledged), cls: 'num' },
    { title: 'Publish', sort: 'message_stats.publish_details.rate', render: ch => C.statRate(ch, 'publish'), cls: 'num rate-publish' },
    { title: 'Confirm', sort: 'message_stats.confirm_details.rate', render: ch => C.statRate(ch, 'confirm'), cls: 'num rate-confirm' },
    { title: 'Deliver / get', sort: 'message_stats.deliver_get_details.rate', render: ch => C.statRate(ch, 'deliver_get'), cls: 'num rate-deliver-get' },
    { title: 'Ack', sort: 'message_stats.ack_details.rate', render: ch => C.statRate(ch, 'ack'), cls: 'num rate-ack' },
    { title: 'State', render: ch => ch.state },
  ];
  const bytesRate = v => (v === undefined || v === null ? '' : C.num(Math.round(v)) + ' B/s');

  C.views.connections = name => {
    if (name !== undefined) return C.views.connection(name);
    const list = C.pagedList({
      id: 'connections',
      path: () => vhostPath('connections'),
      empty: 'No connections.',
      columns: [
        { title: 'Name', sort: 'name', render: c => C.link('connections', null, c.name) },
        { title: 'User', sort: 'user', render: c => c.user },
        { title: 'Vhost', sort: 'vhost', render: c => c.vhost },
        { title: 'Protocol', sort: 'protocol', render: c => c.protocol },
        { title: 'Client', render: client },
        { title: 'Channels', sort: 'channels', render: c => C.num(c.channels), cls: 'num' },
        { title: 'From client', sort: 'recv_oct_details.rate', render: c => bytesRate(C.dig(c, 'recv_oct_details.rate')), cls: 'num' },
        { title: 'To client', sort: 'send_oct_details.rate', render: c => bytesRate(C.dig(c, 'send_oct_details.rate')), cls: 'num' },
        { title: 'Connected at', sort: 'connected_at', render: c => C.time(c.connected_at) },
        { title: 'State', render: c => c.state },
      ],
    });
    return { el: h('div', { class: 'page' }, h('h1', {}, 'Connections'), list.el), refresh: list.refresh };
  };

  C.views.channels = () => {
    const list = C.pagedList({ id: 'channels', path: () => vhostPath('channels'), empty: 'No channels.', columns: channelColumns });
    return { el: h('div', { class: 'page' }, h('h1', {}, 'Channels'), list.el), refresh: list.refresh };
  };

  C.views.connection = name => {
    const base = C.path('connections', name);
    const facts = h('div', { id: 'connection-facts' });
    const channels = h('div', { id: 'connection-channels' });
    const close = C.form('Close this connection', [
      C.field('Reason', 'reason', { value: 'Closed via management UI', id: 'close-reason' }),
    ], 'Force close', async values => {
      if (!window.confirm(`Close the connection ${name}?`)) return;
      const done = await C.run(() => C.api('DELETE', base, undefined, { 'X-Reason': values.reason }), 'Connection closed.');
      if (done !== undefined) location.hash = '#/connections';
    }, { id: 'close-connection' });

    const refresh = async () => {
      const c = await C.getOrGone(base, facts, 'This connection is closed.');
      if (!c) return;
      C.fill(facts, C.facts([
        ['User', c.user], ['Vhost', c.vhost], ['Protocol', c.protocol],
        ['Peer', c.peer_host + ':' + c.peer_port], ['Client', client(c)],
        ['Connected at', C.time(c.connected_at)], ['State', c.state],
        ['Received', `${C.num(c.recv_oct)} bytes in ${C.num(c.recv_cnt)} reads, ${bytesRate(C.dig(c, 'recv_oct_details.rate'))}`],
        ['Sent', `${C.num(c.send_oct)} bytes in ${C.num(c.send_cnt)} writes, ${bytesRate(C.dig(c, 'send_oct_details.rate'))}`],
        ['Client properties', h('pre', { class: 'payload' }, JSON.stringify(c.client_properties || {}, null, 2))],
      ]));
      if (c.channels > 0) {
        const list = await C.get(base + '/channels');
        C.fill(channels, C.table(channelColumns, list, 'No channels.'));
      } else {
        C.fill(channels, h('p', { class: 'muted' }, 'No channels.'));
      }
    };
    refresh();
    return {
      el: h('div', { class: 'page connection' }, h('h1', {}, 'Connection ', h('span', { class: 'name' }, name)), facts, h('h2', {}, 'Channels'), channels, close),
      refresh,
    };
  };
})();
