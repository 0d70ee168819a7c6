// Lists paged, sorted and filtered by the server (page, page_size, name, use_regex, sort,
// sort_reverse, columns), so a page costs the same with 100 or 100,000 objects.
'use strict';

(() => {
  const h = C.h;

  /**
   * options: id (remembers its state in sessionStorage), path() (the list's API path, e.g. per
   * vhost), columns [{title, sort (API field, optional), render(item), cls}], fields (the
   * `columns` parameter: only what the table shows), empty (text with no items).
   */
  C.pagedList = options => {
    const storeKey = 'courier.list.' + options.id;
    const state = Object.assign({ page: 1, pageSize: 50, name: '', regex: false, sort: '', reverse: false },
      JSON.parse(sessionStorage.getItem(storeKey) || '{}'));
    const save = () => sessionStorage.setItem(storeKey, JSON.stringify(state));

    const filter = h('input', { type: 'search', placeholder: 'Filter by name', value: state.name, class: 'filter', 'aria-label': 'Filter by name' });
    const regex = h('input', { type: 'checkbox', checked: state.regex });
    const size = h('select', { 'aria-label': 'Page size' }, [20, 50, 100, 500].map(n => h('option', { value: n, selected: n === state.pageSize }, n + ' per page')));
    const info = h('span', { class: 'muted info' });
    const pager = h('span', { class: 'pager' });
    const body = h('div', { class: 'list-body' });
    const el = h('section', { class: 'list', dataset: { list: options.id } },
      h('div', { class: 'controls' }, filter, h('label', { class: 'check' }, regex, ' Regex'), size, info, pager), body);

    let timer = 0;
    filter.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.name = filter.value; state.page = 1; save(); load(); }, 250);
    });
    regex.addEventListener('change', () => { state.regex = regex.checked; state.page = 1; save(); load(); });
    size.addEventListener('change', () => { state.pageSize = Number(size.value); state.page = 1; save(); load(); });

    const goTo = page => { state.page = page; save(); load(); };
    const sortBy = field => {
      if (state.sort === field) state.reverse = !state.reverse;
      else { state.sort = field; state.reverse = false; }
      state.page = 1;
      save();
      load();
    };

    const render = answer => {
      info.textContent = answer.filtered_count === answer.total_count
        ? `${C.num(answer.total_count)} total`
        : `${C.num(answer.filtered_count)} of ${C.num(answer.total_count)} match`;
      C.fill(pager,
        h('button', { type: 'button', class: 'small', disabled: answer.page <= 1, onclick: () => goTo(answer.page - 1) }, '‹ Prev'),
        h('span', { class: 'page-of' }, ` Page ${answer.page} of ${answer.page_count} `),
        h('button', { type: 'button', class: 'small', disabled: answer.page >= answer.page_count, onclick: () => goTo(answer.page + 1) }, 'Next ›'));
      if (answer.items.length === 0) {
        C.fill(body, h('p', { class: 'muted' }, options.empty || 'None.'));
        return;
      }
      const head = options.columns.map(c => {
        if (!c.sort) return h('th', { class: c.cls }, c.title);
        const active = state.sort === c.sort;
        return h('th', { class: (c.cls || '') + ' sortable' + (active ? ' sorted' : ''), dataset: { sort: c.sort }, onclick: () => sortBy(c.sort) },
          c.title, active ? (state.reverse ? ' ▼' : ' ▲') : '');
      });
      C.fill(body, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, head)),
        h('tbody', {}, answer.items.map(item => h('tr', {}, options.columns.map(c => h('td', { class: c.cls }, c.render(item))))))));
    };

    const load = async () => {
      const query = C.query({
        page: state.page,
        page_size: state.pageSize,
        name: state.name,
        use_regex: state.regex ? 'true' : '',
        sort: state.sort,
        sort_reverse: state.sort && state.reverse ? 'true' : '',
        columns: options.fields,
      });
      try {
        render(await C.get(options.path() + query));
      } catch (e) {
        if (e instanceof C.ApiError && e.error === 'page_out_of_range' && state.page > 1) {
          goTo(1);
        } else if (!(e instanceof C.ApiError && e.error === 'not_authorized')) {
          C.fill(body, h('p', { class: 'error' }, e.message));
        }
      }
    };

    load();
    return { el, refresh: load };
  };

  /** The list path for a kind, in the vhost chosen at the top or across all. */
  C.listPath = kind => {
    const vhost = C.selectedVhost();
    return vhost ? C.path(kind, vhost) : C.path(kind);
  };
})();
