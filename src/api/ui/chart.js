// Scores per metric over time as a small inline SVG line chart (no chart library: a few lines suffice).
const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#0a58ca', '#b42318', '#146c2e', '#8a4baf', '#b35900', '#006d75'];
const W = 640;
const H = 220;
const PAD = { left: 40, right: 12, top: 12, bottom: 40 };

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A chart of `series` ({metric: [{at, score}]}, oldest first). It is an image to screen readers,
 * named and described; the numbers themselves are in the table beside it.
 */
export function scoreChart(series, title) {
  const metrics = Object.keys(series);
  const times = metrics.flatMap((m) => series[m].map((p) => Date.parse(p.at)));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t) => PAD.left + (t1 === t0 ? (W - PAD.left - PAD.right) / 2 : ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right));
  const y = (s) => PAD.top + (1 - s) * (H - PAD.top - PAD.bottom);
  const id = `chart-${Math.random().toString(36).slice(2)}`;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-labelledby': `${id}-t ${id}-d` });
  root.append(
    svg('title', { id: `${id}-t` }, title),
    svg(
      'desc',
      { id: `${id}-d` },
      `Scores from 0 to 1 of ${metrics.join(', ')} for ${times.length} evaluations, dashed lines at the pass thresholds; the table below has the numbers.`,
    ),
  );
  for (const s of [0, 0.5, 1]) {
    root.append(
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(s), y2: y(s), stroke: '#d0d7de' }),
      svg('text', { x: 4, y: y(s) + 4, 'font-size': 12, fill: '#57606a' }, s.toFixed(1)),
    );
  }
  metrics.forEach((m, i) => {
    const color = COLORS[i % COLORS.length];
    const points = series[m].map((p) => `${x(Date.parse(p.at)).toFixed(1)},${y(p.score).toFixed(1)}`);
    // The metric's pass threshold as a dashed line in its colour: points under it failed.
    const threshold = series[m].at(-1)?.threshold;
    if (typeof threshold === 'number') {
      root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(threshold), y2: y(threshold), stroke: color, 'stroke-dasharray': '4 4' }));
    }
    root.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    for (const p of series[m]) root.append(svg('circle', { cx: x(Date.parse(p.at)), cy: y(p.score), r: 3, fill: color }));
    root.append(svg('text', { x: PAD.left + 4 + (i % 3) * 200, y: H - 20 + Math.floor(i / 3) * 14, 'font-size': 12, fill: color }, `● ${m}`));
  });
  return root;
}
