/**
 * The report's own script and style, inlined into the page (no CDN: the
 * report must open anywhere, offline). The script reads the run from the
 * JSON block and draws each chart as SVG. Plain ES2017, no template literals,
 * so it can sit inside this TypeScript string.
 */
export const REPORT_STYLE = `
body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
td, th { padding: 3px 10px; border-bottom: 1px solid #e3e6ec; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.ok { color: #1a7f37; } .bad { color: #c62828; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg text { font-size: 11px; fill: #555; }
.legend span { margin-right: 12px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
`;

export const REPORT_SCRIPT = `
(function () {
  var run = JSON.parse(document.getElementById('run').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  var NS = 'http://www.w3.org/2000/svg';

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, value, anchor) {
    var t = el('text', { x: x, y: y, 'text-anchor': anchor || 'start' }, parent);
    t.textContent = value;
  }
  function fmt(v) { return v >= 100 ? Math.round(v) : Math.round(v * 100) / 100; }

  /** series: [{ name, values }] over seconds 0..n-1; missing values are gaps. */
  function chart(container, title, unit, series) {
    var figure = document.createElement('figure');
    figure.className = 'chart';
    var caption = document.createElement('figcaption');
    caption.textContent = title + (unit ? ' (' + unit + ')' : '');
    figure.appendChild(caption);
    var W = 520, H = 200, L = 48, B = 22, T = 8, R = 8;
    var svg = el('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H }, figure);
    var n = Math.max.apply(null, series.map(function (s) { return s.values.length; }).concat([1]));
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
    max = max > 0 ? max * 1.1 : 1;
    var x = function (i) { return L + (i / Math.max(1, n - 1)) * (W - L - R); };
    var y = function (v) { return H - B - (v / max) * (H - B - T); };
    for (var g = 0; g <= 4; g++) {
      var gv = (max * g) / 4;
      el('line', { x1: L, x2: W - R, y1: y(gv), y2: y(gv), stroke: '#eceff4' }, svg);
      text(svg, L - 4, y(gv) + 4, fmt(gv), 'end');
    }
    for (var s = 0; s <= 5; s++) {
      var sec = Math.round(((n - 1) * s) / 5);
      text(svg, x(sec), H - 6, sec + 's', 'middle');
    }
    var legend = document.createElement('div');
    legend.className = 'legend';
    series.forEach(function (serie, i) {
      var color = COLORS[i % COLORS.length];
      var d = '';
      serie.values.forEach(function (v, j) {
        if (v === null || v === undefined || isNaN(v)) return;
        d += (d && serie.values[j - 1] !== undefined && serie.values[j - 1] !== null ? 'L' : 'M') + x(j).toFixed(1) + ',' + y(v).toFixed(1);
      });
      if (d) el('path', { d: d, fill: 'none', stroke: color, 'stroke-width': 1.5, class: 'series' }, svg);
      var item = document.createElement('span');
      item.innerHTML = '<i style="background:' + color + '"></i>';
      item.appendChild(document.createTextNode(serie.name));
      legend.appendChild(item);
    });
    figure.appendChild(legend);
    container.appendChild(figure);
  }

  var steps = run.timeline.steps;
  var names = Object.keys(steps).sort();
  var latency = document.getElementById('latency');
  names.forEach(function (name) {
    var s = steps[name];
    chart(latency, name + ' latency', 'ms', [
      { name: 'p50', values: s.p50 }, { name: 'p95', values: s.p95 }, { name: 'p99', values: s.p99 },
    ]);
  });
  var load = document.getElementById('load');
  chart(load, 'Throughput by step', 'per second', names.map(function (name) { return { name: name, values: steps[name].count }; }));
  chart(load, 'Failures by step', 'per second', names.map(function (name) { return { name: name, values: steps[name].failures }; }));
  chart(load, 'Virtual users', '', [{ name: 'VUs', values: run.timeline.vus }]);
  var service = run.timeline.service;
  chart(load, 'Projection lag', 'events', Object.keys(service.lag).map(function (p) { return { name: p, values: service.lag[p] }; }));
  chart(load, 'Service CPU', '% of one core', [{ name: 'cpu', values: service.cpuPercent }]);
  chart(load, 'Service event-loop delay', 'ms', [
    { name: 'max', values: service.loopDelayMaxMs }, { name: 'p99', values: service.loopDelayP99Ms },
  ]);
  chart(load, 'Service memory', 'MiB RSS', [{ name: 'rss', values: service.rssMb }]);
  var threads = service.mainThreads || {};
  chart(load, 'Event loops: on a CPU and waiting for one', '% of each second', Object.keys(threads).reduce(function (all, name) {
    return all.concat([{ name: name + ' on CPU', values: threads[name].run }, { name: name + ' waiting', values: threads[name].wait }]);
  }, []));
  document.body.setAttribute('data-rendered', String(document.querySelectorAll('figure.chart').length));
})();
`;
