// What every benchmark script shares: the median, a Markdown table, saving the JSON (and SVG) under
// bench/results/<name>-<timestamp>, and a small SVG line chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A Markdown table: `cols` headers, `rows` arrays of cells. */
export function markdownTable(cols, rows) {
  return (
    [
      `| ${cols.join(' | ')} |`,
      `|${cols.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n') + '\n'
  );
}

/** Writes bench/results/<name>-<stamp>.json (and .svg); returns the paths. */
export function saveResults(name, result, svg) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = (result.date ?? new Date().toISOString()).replace(/[:.]/g, '-');
  const json = join(dir, `${name}-${stamp}.json`);
  writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
  const paths = [json];
  if (svg) {
    const svgPath = join(dir, `${name}-${stamp}.svg`);
    writeFileSync(svgPath, svg);
    paths.push(svgPath);
  }
  return paths;
}

/** Parses `--name value` flags against `defaults` (numbers stay numbers); `--json` is a boolean. */
export function parseFlags(argv, defaults, usage) {
  const opts = { ...defaults, json: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'json') opts.json = true;
    else if (name in defaults) {
      const v = argv[++i];
      opts[name] = typeof defaults[name] === 'number' ? Number(v) : v;
      if (typeof defaults[name] === 'number' && !(opts[name] > 0)) fail(`--${name} needs a positive number`);
    } else fail(`unknown argument '${argv[i]}'`);
  }
  return opts;
  function fail(msg) {
    process.stderr.write(`${msg}\n${usage}\n`);
    process.exit(2);
  }
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#1f6feb', '#8b949e', '#cf222e', '#2da44e', '#bf8700', '#8250df', '#e16f24', '#57606a'];

/**
 * A line chart: `series` of { name, points: [[x, y]...] } over categorical x values `xs`, y on a
 * linear or log10 scale. The first series is drawn in the project's blue.
 */
export function lineChart({ title, subtitle, xs, xLabel, yLabel, series, logY = false }) {
  const W = 900,
    H = 480,
    left = 90,
    right = 200,
    top = 70,
    bottom = 60;
  const pw = W - left - right,
    ph = H - top - bottom;
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => Number.isFinite(y) && (!logY || y > 0));
  let lo = logY ? Math.log10(Math.min(...ys)) : 0;
  let hi = logY ? Math.log10(Math.max(...ys)) : Math.max(...ys);
  if (logY) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
    if (hi === lo) hi = lo + 1;
  } else hi = hi > 0 ? hi * 1.1 : 1;
  const X = (x) => left + (xs.length === 1 ? pw / 2 : (pw * xs.indexOf(x)) / (xs.length - 1));
  const Y = (y) => top + ph - (ph * ((logY ? Math.log10(y) : y) - lo)) / (hi - lo);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<text x="16" y="46" fill="#555">${esc(subtitle)}</text>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#999"/>`,
  ];
  const ticks = logY
    ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i))
    : Array.from({ length: 5 }, (_, i) => (hi * i) / 4);
  for (const t of ticks) {
    out.push(`<line x1="${left}" y1="${Y(t).toFixed(1)}" x2="${left + pw}" y2="${Y(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(
      `<text x="${left - 8}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${esc(t >= 1000 ? Math.round(t).toLocaleString('en-US') : +t.toPrecision(3))}</text>`,
    );
  }
  for (const x of xs)
    out.push(`<text x="${X(x).toFixed(1)}" y="${top + ph + 20}" text-anchor="middle" fill="#555">${esc(x)}</text>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(
    `<text x="18" y="${top + ph / 2}" transform="rotate(-90 18 ${top + ph / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p[1]) && (!logY || p[1] > 0));
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of pts)
      out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
    out.push(`<rect x="${left + pw + 16}" y="${top + i * 22}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${left + pw + 34}" y="${top + i * 22 + 11}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
