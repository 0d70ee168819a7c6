// Line charts drawn as SVG from series the page keeps from polling (no library).
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs, text) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };

  /** Samples over time of named values: push(time, {name: value}); keeps the last `max`. */
  C.Series = class Series {
    constructor(names, max = 360) {
      this.names = names;
      this.max = max;
      this.points = [];
    }

    push(time, values) {
      this.points.push({ time, values });
      if (this.points.length > this.max) this.points.splice(0, this.points.length - this.max);
    }

    last(name) {
      const p = this.points[this.points.length - 1];
      return p ? p.values[name] : undefined;
    }
  };

  /** A rounded upper bound for the y axis. */
  const niceCeiling = value => {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  };

  /**
   * A chart of `series` (a C.Series) in a figure; call render() after each push. `format` shows a
   * value (the legend's latest and the axis). Each line is a polyline with data-series (its name)
   * and data-max (its largest value shown), which tests read.
   */
  C.chart = (id, title, series, format) => {
    const width = 640;
    const height = 200;
    const left = 56;
    const bottom = 22;
    const top = 8;
    const figure = C.h('figure', { class: 'chart', dataset: { chart: id } });
    const caption = C.h('figcaption', {}, title);
    const legend = C.h('ul', { class: 'legend' });
    const area = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
    figure.append(caption, area, legend);

    const render = () => {
      area.replaceChildren();
      const points = series.points;
      let maximum = 0;
      for (const p of points) for (const name of series.names) maximum = Math.max(maximum, Number(p.values[name]) || 0);
      const ceiling = niceCeiling(maximum);
      const plotWidth = width - left - 8;
      const plotHeight = height - top - bottom;
      const y = v => top + plotHeight - (Math.max(0, Number(v) || 0) / ceiling) * plotHeight;

      for (const fraction of [0, 0.5, 1]) {
        const value = ceiling * fraction;
        area.append(svg('line', { x1: left, x2: width - 8, y1: y(value), y2: y(value), class: 'gridline' }));
        area.append(svg('text', { x: left - 6, y: y(value) + 4, class: 'axis', 'text-anchor': 'end' }, format(value)));
      }

      const first = points.length ? points[0].time : 0;
      const span = points.length > 1 ? points[points.length - 1].time - first : 1;
      const x = t => left + ((t - first) / span) * plotWidth;
      if (points.length > 1) {
        area.append(svg('text', { x: left, y: height - 6, class: 'axis' }, new Date(first).toLocaleTimeString()));
        area.append(svg('text', { x: width - 8, y: height - 6, class: 'axis', 'text-anchor': 'end' }, new Date(points[points.length - 1].time).toLocaleTimeString()));
      } else {
        area.append(svg('text', { x: left + plotWidth / 2, y: top + plotHeight / 2, class: 'axis', 'text-anchor': 'middle' }, 'collecting samples…'));
      }

      legend.replaceChildren();
      series.names.forEach((name, index) => {
        const values = points.map(p => Number(p.values[name]) || 0);
        const line = svg('polyline', {
          class: 'line s' + index,
          points: points.map((p, i) => `${x(p.time).toFixed(1)},${y(values[i]).toFixed(1)}`).join(' '),
          'data-series': name,
          'data-max': values.length ? Math.max(...values) : 0,
          'data-count': values.length,
        });
        area.append(line);
        legend.append(C.h('li', { class: 's' + index, dataset: { series: name } }, C.h('span', { class: 'swatch' }), name + ' ', C.h('b', {}, format(series.last(name) || 0))));
      });
    };

    render();
    return { el: figure, render };
  };
})();
