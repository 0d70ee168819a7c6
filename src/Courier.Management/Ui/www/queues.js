// Queues: the paged list with add, and a queue's page (counts and rates, consumers, bindings,
// publish, get, purge, delete).
'use strict';

(() => {
  const h = C.h;
  const features = q => [q.durable ? 'D' : '', q.auto_delete ? 'AD' : '', q.exclusive ? 'Excl' : '',
    Object.keys(q.arguments || {}).length ? 'Args' : '', q.policy ? 'Pol ' + q.policy : ''].filter(f => f).join(' ');

  /** Declares an object from a form's values: arguments typed as JSON. */
  C.declareForm = (kind, extraFields, buildBody, onDone) => C.form('Add a ' + kind.replace(/s$/, ''), [
    C.field('Vhost', 'vhost', { options: C.vhostOptions(), value: C.selectedVhost() || (C.vhosts[0] || {}).name }),
    C.field('Name', 'name', { required: true, id: 'add-' + kind + '-name' }),
    extraFields,
    C.field('Arguments (JSON)', 'arguments', { type: 'textarea', rows: 2, placeholder: '{"x-max-length": 1000}' }),
  ], 'Add', async values => {
    const body = buildBody(values);
    body.arguments = C.parseObject(values.arguments, 'Arguments');
    await C.run(() => C.api('PUT', C.path(kind, values.vhost, values.name), body), `Declared ${values.name}`);
    onDone();
  }, { id: 'add-' + kind });

  C.views.queues = (vhost, name) => {
    if (name !== undefined) return C.views.queue(vhost, name);
    const list = C.pagedList({
      id: 'queues',
      path: () => C.listPath('queues'),
      fields: 'name,vhost,type,durable,auto_delete,exclusive,arguments,policy,state,consumers,messages_ready,messages_unacknowledged,messages,message_stats',
      empty: 'No queues.',
      columns: [
        { title: 'Vhost', sort: 'vhost', render: q => q.vhost },
        { title: 'Name', sort: 'name', render: q => C.link('queues', q.vhost, q.name) },
        { title: 'Type', sort: 'type', render: q => q.type },
        { title: 'Features', render: features },
        { title: 'State', sort: 'state', render: q => q.state },
        { title: 'Consumers', sort: 'consumers', render: q => C.num(q.consumers), cls: 'num' },
        { title: 'Ready', sort: 'messages_ready', render: q => C.num(q.messages_ready), cls: 'num' },
        { title: 'Unacked', sort: 'messages_unacknowledged', render: q => C.num(q.messages_unacknowledged), cls: 'num' },
        { title: 'Total', sort: 'messages', render: q => C.num(q.messages), cls: 'num' },
        { title: 'Incoming', sort: 'message_stats.publish_details.rate', render: q => C.statRate(q, 'publish'), cls: 'num' },
        { title: 'Deliver / get', sort: 'message_stats.deliver_get_details.rate', render: q => C.statRate(q, 'deliver_get'), cls: 'num' },
        { title: 'Ack', sort: 'message_stats.ack_details.rate', render: q => C.statRate(q, 'ack'), cls: 'num' },
      ],
    });
    const add = C.declareForm('queues', [
      C.field('Durable', 'durable', { type: 'checkbox', value: true }),
      C.field('Auto delete', 'auto_delete', { type: 'checkbox' }),
    ], v => ({ durable: v.durable, auto_delete: v.auto_delete }), list.refresh);
    return { el: h('div', { class: 'page' }, h('h1', {}, 'Queues'), list.el, add), refresh: list.refresh };
  };

  /** Publishes through an exchange from a form (used by the queue and exchange pages). */
  C.publishForm = (vhost, exchange, routingKey) => C.form('Publish a message', [
    C.field('Routing key', 'routing_key', { value: routingKey, id: 'publish-routing-key' }),
    C.field('Delivery mode', 'delivery_mode', { options: [['1', '1 (transient)'], ['2', '2 (persistent)']], value: '2' }),
    C.field('Headers (JSON)', 'headers', { type: 'textarea', rows: 2, placeholder: '{"x-source": "ui"}' }),
    C.field('Properties (JSON)', 'properties', { type: 'textarea', rows: 2, placeholder: '{"content_type": "text/plain"}' }),
    C.field('Payload', 'payload', { type: 'textarea', rows: 4, id: 'publish-payload' }),
    C.field('Payload encoding', 'payload_encoding', { options: [['string', 'string'], ['base64', 'base64']] }),
  ], 'Publish', async values => {
    await C.run(async () => {
      const properties = C.parseObject(values.properties, 'Properties');
      properties.delivery_mode = Number(values.delivery_mode);
      const headers = C.parseObject(values.headers, 'Headers');
      if (Object.keys(headers).length) properties.headers = headers;
      return C.api('POST', C.path('exchanges', vhost, exchange === '' ? 'amq.default' : exchange, 'publish'),
        { properties, routing_key: values.routing_key, payload: values.payload, payload_encoding: values.payload_encoding });
    }, r => (r.routed ? 'Message published.' : 'Message published but not routed to any queue.'));
  }, { id: 'publish' });

  /** Binds to a queue or exchange (`to`), from a source exchange, and lists its bindings. */
  C.bindingsSection = (vhost, kind, name, listPath) => {
    const box = h('div', { class: 'bindings' });
    const load = async () => {
      const bindings = await C.get(listPath);
      C.fill(box, C.table([
        { title: 'From', render: b => (b.source === '' ? '(AMQP default)' : C.link('exchanges', vhost, b.source)) },
        { title: 'To', render: b => C.link(b.destination_type === 'queue' ? 'queues' : 'exchanges', vhost, b.destination) },
        { title: 'Routing key', render: b => b.routing_key },
        { title: 'Arguments', render: b => C.json(b.arguments) },
        { title: '', render: b => (b.source === '' ? '' : C.button('Unbind', async () => {
          await C.run(() => C.api('DELETE', C.path('bindings', vhost, 'e', b.source, b.destination_type === 'queue' ? 'q' : 'e', b.destination) + '/' + b.properties_key), 'Unbound.');
          await load();
        })) },
      ], bindings, 'No bindings.'));
    };
    const fields = kind === 'queues'
      ? [C.field('From exchange', 'source', { required: true, id: 'bind-source' })]
      : [C.field('To', 'destination_type', { options: [['q', 'queue'], ['e', 'exchange']] }), C.field('Destination', 'destination', { required: true, id: 'bind-destination' })];
    const form = C.form(kind === 'queues' ? 'Bind this queue' : 'Add a binding from this exchange', [
      fields,
      C.field('Routing key', 'routing_key', { id: 'bind-routing-key' }),
      C.field('Arguments (JSON)', 'arguments', { type: 'textarea', rows: 2 }),
    ], 'Bind', async values => {
      await C.run(() => {
        const path = kind === 'queues'
          ? C.path('bindings', vhost, 'e', values.source, 'q', name)
          : C.path('bindings', vhost, 'e', name, values.destination_type, values.destination);
        return C.api('POST', path, { routing_key: values.routing_key, arguments: C.parseObject(values.arguments, 'Arguments') });
      }, 'Bound.');
      await load();
    }, { id: 'bind' });
    load();
    return { el: h('section', {}, h('h2', {}, 'Bindings'), box, form), refresh: load };
  };

  C.views.queue = (vhost, name) => {
    const base = C.path('queues', vhost, name);
    const series = new C.Series(['messages', 'messages_ready', 'messages_unacknowledged']);
    const rates = new C.Series(C.rateNames);
    const counts = C.chart('queue-messages', 'Queued messages', series, C.num);
    const rateChart = C.chart('queue-rates', 'Message rates', rates, C.rate);
    const facts = h('div', { id: 'queue-facts' });
    const consumers = h('div', { id: 'consumers' });
    const bindings = C.bindingsSection(vhost, 'queues', name, base + '/bindings');
    const messages = h('div', { id: 'got-messages' });

    const get = C.form('Get messages', [
      C.field('Ack mode', 'ackmode', { options: [
        ['ack_requeue_true', 'Nack message requeue true'],
        ['reject_requeue_true', 'Reject requeue true'],
        ['ack_requeue_false', 'Automatic ack'],
        ['reject_requeue_false', 'Reject requeue false'],
      ] }),
      C.field('Encoding', 'encoding', { options: [['auto', 'Auto string / base64'], ['base64', 'base64']] }),
      C.field('Messages', 'count', { type: 'number', value: '1', min: 1 }),
    ], 'Get messages', async values => {
      const got = await C.run(() => C.api('POST', base + '/get', { ackmode: values.ackmode, encoding: values.encoding, count: Number(values.count) || 1 }));
      if (!got) return;
      C.fill(messages, got.length === 0 ? h('p', { class: 'muted' }, 'Queue is empty.') : got.map((m, i) => h('div', { class: 'message card' },
        h('h4', {}, `Message ${i + 1}`),
        C.facts([
          ['Exchange', m.exchange === '' ? '(AMQP default)' : m.exchange],
          ['Routing key', m.routing_key],
          ['Redelivered', C.yesNo(m.redelivered)],
          ['Remaining', C.num(m.message_count)],
          ['Properties', C.json(m.properties)],
          ['Payload', h('pre', { class: 'payload' }, m.payload)],
          ['Encoding', m.payload_encoding + ', ' + C.num(m.payload_bytes) + ' bytes'],
        ]))));
      await refresh();
    }, { id: 'get' });

    const actions = h('div', { class: 'actions' },
      C.button('Purge messages', async () => {
        await C.run(() => C.api('DELETE', base + '/contents'), 'Purged.');
        await refresh();
      }, `Purge every message of ${name}?`, 'danger'),
      C.button('Delete queue', async () => {
        if (await C.run(() => C.api('DELETE', base), `Deleted ${name}.`) !== undefined) location.hash = '#/queues';
      }, `Delete the queue ${name}?`, 'danger'));

    const refresh = async () => {
      const q = await C.getOrGone(base, facts, 'This queue no longer exists.');
      if (!q) return;
      const now = Date.now();
      series.push(now, { messages: q.messages, messages_ready: q.messages_ready, messages_unacknowledged: q.messages_unacknowledged });
      const r = {};
      for (const n of C.rateNames) r[n] = C.dig(q, 'message_stats.' + n + '_details.rate') || 0;
      rates.push(now, r);
      counts.render();
      rateChart.render();
      C.fill(facts, C.facts([
        ['Type', q.type], ['State', q.state], ['Features', features(q)],
        ['Ready', h('span', { id: 'queue-ready' }, C.num(q.messages_ready))],
        ['Unacked', C.num(q.messages_unacknowledged)],
        ['Total', h('span', { id: 'queue-total' }, C.num(q.messages))],
        ['Consumers', C.num(q.consumers)],
        ['Arguments', C.json(q.arguments)],
        ['Policy', q.policy], ['Operator policy', q.operator_policy],
        ['Effective policy definition', C.json(q.effective_policy_definition)],
      ]));
      C.fill(consumers, C.table([
        { title: 'Consumer tag', render: c => c.consumer_tag },
        { title: 'Connection', render: c => C.link('connections', null, c.channel_details.connection_name) },
        { title: 'Ack required', render: c => C.yesNo(c.ack_required) },
        { title: 'Exclusive', render: c => C.yesNo(c.exclusive) },
        { title: 'Prefetch', render: c => C.num(c.prefetch_count), cls: 'num' },
        { title: 'Priority', render: c => c.priority, cls: 'num' },
      ], q.consumer_details, 'No consumers.'));
    };

    refresh();
    const el = h('div', { class: 'page queue' },
      h('h1', {}, 'Queue ', h('span', { class: 'name', id: 'queue-name' }, name), h('span', { class: 'muted' }, ' in ' + vhost)),
      facts, h('div', { class: 'charts' }, counts.el, rateChart.el),
      h('h2', {}, 'Consumers'), consumers,
      bindings.el,
      h('div', { class: 'columns' }, C.publishForm(vhost, '', name), get),
      messages, actions);
    return { el, refresh: async () => { await refresh(); await bindings.refresh(); } };
  };
})();
