// Line charts as inline SVG: a fixed view box that scales (evenly) to the width of its container, series colours from CSS
// classes (series-0, series-1, ...), and a text summary beside every chart for those who cannot see it.

import {h} from './ui.js';

const WIDTH = 480;
const HEIGHT = 200;
const PAD = {left: 58, right: 10, top: 10, bottom: 24};

/** A round upper bound for the y axis (1, 2, 2.5, 5 × 10^n, or of 1024^n when binary, for bytes). */
function niceMax(value, binary) {
  if (binary && value > 0) {
    const unit = 1024 ** Math.floor(Math.log(value) / Math.log(1024));
    return niceMax(value / unit, false) * unit;
  }
  if (!(value > 0)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * power) {
      return step * power;
    }
  }
  return 10 * power;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit'});
}

/**
 * @param {object} spec
 * @param {string} spec.id          element id of the figure
 * @param {string} spec.title       what is measured
 * @param {number} spec.from        start of the x axis (ms)
 * @param {number} spec.to          end of the x axis (ms)
 * @param {{name: string, points: Array<[number, number|null]>}[]} spec.series  null values break the line
 * @param {(v: number) => string} spec.format  a y value in words
 * @param {number} [spec.max]       a fixed top of the y axis (e.g. 1 for a ratio)
 * @param {number} [spec.minTop]    the lowest top of the y axis, so that an idle chart has sensible labels
 * @param {boolean} [spec.binary]   round the axis to powers of 1024 (bytes)
 * @param {string} [spec.emptyText] what to say when there is no value to draw
 */
export function lineChart({id, title, from, to, series, format, max, minTop = 1, binary = false,
  emptyText = 'No samples in this hour yet.'}) {
  const values = series.flatMap(s => s.points.map(p => p[1]).filter(v => v !== null && v !== undefined));
  const top = max !== undefined ? max : niceMax(Math.max(minTop, ...values), binary);
  const span = Math.max(1, to - from);
  const x = t => PAD.left + ((t - from) / span) * (WIDTH - PAD.left - PAD.right);
  const y = v => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);

  const grid = [0, 0.5, 1].map(f => {
    const v = top * f;
    return h('g', {class: 'grid'},
      h('line', {x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v)}),
      h('text', {x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', text: format(v)}));
  });
  const axis = h('g', {class: 'axis'},
    h('text', {x: PAD.left, y: HEIGHT - 6, 'text-anchor': 'start', text: clock(from)}),
    h('text', {x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end', text: clock(to)}));
  const lines = series.map((s, i) => {
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null || v === undefined || Number.isNaN(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(Math.min(v, top)).toFixed(1)} `;
      pen = true;
    }
    const last = [...s.points].reverse().find(p => p[1] !== null && p[1] !== undefined && !Number.isNaN(p[1]));
    return h('g', {},
      h('path', {class: `line series-${i % 6}`, d: d.trim() || 'M0,0'}),
      // The latest value as a dot, so that a lone first sample shows too.
      last ? h('circle', {class: `dot series-${i % 6}`, cx: x(last[0]).toFixed(1), cy: y(Math.min(last[1], top)).toFixed(1),
        r: 3}) : null);
  });

  const latest = series.map(s => {
    const last = [...s.points].reverse().find(p => p[1] !== null && p[1] !== undefined);
    return `${s.name}: ${last ? format(last[1]) : 'no data'}`;
  });
  const summary = values.length ? `Latest — ${latest.join('; ')}` : emptyText;
  const svg = h('svg', {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart-svg', role: 'img',
    'aria-label': `${title}. ${summary}`},
  h('title', {text: title}), grid, axis, lines);
  return h('figure', {class: 'chart', id},
    h('figcaption', {}, h('span', {class: 'chart-title', text: title}),
      h('span', {class: 'chart-latest', text: summary})),
    svg,
    series.length > 1 ? h('ul', {class: 'legend'}, series.map((s, i) =>
      h('li', {}, h('span', {class: `swatch series-${i % 6}`, 'aria-hidden': 'true'}), s.name))) : null);
}
