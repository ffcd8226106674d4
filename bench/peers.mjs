#!/usr/bin/env node
// `npm run bench:peers`: the seed's stress workload (default 2 procs x 2 threads, 100 tasks x 1000 x 5
// = 500k lines) for the floor (`raw`), `ours`, and the usual Node.js loggers (and CPython's own
// handler when python3 exists), side by side, in interleaved rounds; each run is verified line by
// line (lost, duplicated, torn, misplaced). Prints a table (median lines/s, ratio against ours),
// writes bench/results/peers-<timestamp>.json and an SVG chart beside it.
//
// Flags: --procs 2 --threads 2 --tasks 100 --n 1000 --rounds 3 --writers a,b,c --json
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin/concurrent-log.mjs');
const ALL = [
  'raw',
  'raw-batched',
  'ours',
  'ours-fsync',
  'logging',
  'pino',
  'pino-error',
  'pino-roll',
  'winston',
  'log4js',
  'rotating-file-stream',
  'python',
];

/** The size round (--max-bytes N): every writer with a size option of its own, rotating by size alone. */
const SIZE = ['ours', 'pino-roll', 'winston', 'log4js', 'rotating-file-stream'];

const usage = `usage: node bench/peers.mjs [--procs 2] [--threads 2] [--tasks 100] [--n 1000] [--rounds 3] [--writers ${ALL.join(',')}] [--max-bytes N] [--json]
  --max-bytes N   the size round: ${SIZE.join(', ')} rotating by size alone at N bytes (--when none)\n`;
const opts = { procs: 2, threads: 2, tasks: 100, n: 1000, rounds: 3, writers: null, maxBytes: 0, json: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const [name, inline] = a.startsWith('--') ? a.slice(2).split(/=(.*)/s) : [a];
  const value = () => inline ?? argv[++i];
  if (name === 'json') opts.json = true;
  else if (name === 'help' || a === '-h') {
    process.stdout.write(usage);
    process.exit(0);
  } else if (name === 'writers') opts.writers = String(value()).split(',').filter(Boolean);
  else if (['procs', 'threads', 'tasks', 'n', 'rounds', 'max-bytes'].includes(name)) {
    const v = Number(value());
    if (!Number.isInteger(v) || v < 1) {
      process.stderr.write(`peers: --${name} needs a positive integer\n${usage}`);
      process.exit(2);
    }
    opts[name === 'max-bytes' ? 'maxBytes' : name] = v;
  } else {
    process.stderr.write(`peers: unknown argument '${a}'\n${usage}`);
    process.exit(2);
  }
}
opts.writers ??= opts.maxBytes ? SIZE : ALL;
for (const w of opts.writers)
  if (!(opts.maxBytes ? SIZE : ALL).includes(w)) {
    process.stderr.write(`peers: unknown writer '${w}'\n${usage}`);
    process.exit(2);
  }
const hasPython = spawnSync('python3', ['--version']).status === 0;
const writers = opts.writers.filter((w) => w !== 'python' || hasPython);
if (writers.length < opts.writers.length) process.stderr.write('peers: python3 not found, skipping the CPython run\n');

const scratch = mkdtempSync(join(tmpdir(), 'concurrent-log-peers-'));
const runs = Object.fromEntries(writers.map((w) => [w, []]));
try {
  for (let round = 0; round < opts.rounds; round++) {
    // Interleave: each round starts one writer later, so no writer always runs first (cold) or last.
    const order = writers.map((_, i) => writers[(i + round) % writers.length]);
    for (const w of order) {
      const dir = join(scratch, `r${round}-${w}`);
      const args = [
        BIN,
        'stress',
        '--writer',
        w,
        '--procs',
        String(opts.procs),
        '--threads',
        String(opts.threads),
        '--tasks',
        String(opts.tasks),
        '--n',
        String(opts.n),
        '--dir',
        dir,
        '--json',
        ...(opts.maxBytes ? ['--when', 'none', '--max-bytes', String(opts.maxBytes)] : []),
      ];
      process.stderr.write(`round ${round + 1}/${opts.rounds}: ${w} ... `);
      // cwd = scratch: each stress run's own result file lands there and is discarded.
      const r = spawnSync(process.execPath, args, {
        cwd: scratch,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 600_000,
      });
      const last = (r.stdout ?? '').trimEnd().split('\n').at(-1) ?? '';
      let res;
      try {
        res = JSON.parse(last);
      } catch {
        res = null;
      }
      if (res && res.failedChildren > 0) {
        process.stderr.write(`${res.failedChildren} child process(es) failed\n${(r.stderr ?? '').slice(-2000)}\n`);
        runs[w].push({ failed: true, exit: r.status, failedChildren: res.failedChildren });
      } else if (!res) {
        process.stderr.write(`failed (exit ${r.status})\n${(r.stderr ?? '').slice(-2000)}\n`);
        runs[w].push({ failed: true, exit: r.status });
      } else {
        delete res.tornExamples;
        runs[w].push(res);
        process.stderr.write(
          `${res.linesPerSec.toLocaleString('en-US')} lines/s, lost ${res.lost}, dup ${res.duplicated}, torn ${res.torn}, misplaced ${res.misplaced}\n`,
        );
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summary = writers.map((w) => {
  const ok = runs[w].filter((r) => !r.failed);
  const max = (k) => (ok.length ? Math.max(...ok.map((r) => r[k])) : NaN);
  return {
    writer: w,
    runs: runs[w].length,
    failedRuns: runs[w].length - ok.length,
    linesPerSec: Math.round(median(ok.map((r) => r.linesPerSec))),
    elapsed: Number(median(ok.map((r) => r.elapsed)).toFixed(3)),
    lines: median(ok.map((r) => r.lines)),
    files: median(ok.map((r) => r.files)),
    // Losses are judged by the worst round, not the median: one bad round is a real loss.
    lost: max('lost'),
    duplicated: max('duplicated'),
    torn: max('torn'),
    misplaced: max('misplaced'),
    lostPerRound: ok.map((r) => r.lost),
    tornPerRound: ok.map((r) => r.torn),
    verifyAll: ok[0]?.verifyAll ?? false,
  };
});
const oursRate = summary.find((s) => s.writer === 'ours')?.linesPerSec;
// The true floor (raw-batched: 64 KiB writes per thread, no coordination) as a second yardstick.
const floorRate = summary.find((s) => s.writer === 'raw-batched')?.linesPerSec;
for (const s of summary) {
  s.vsOurs = oursRate ? Number((s.linesPerSec / oursRate).toFixed(2)) : null;
  s.vsFloor = floorRate ? Number((s.linesPerSec / floorRate).toFixed(2)) : null;
}

const expected = opts.tasks * opts.n * 5;
const rotation = opts.maxBytes ? `by size alone at ${opts.maxBytes.toLocaleString('en-US')} bytes` : 'when=S';
const fmt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const cols = [
  'writer',
  'lines/s',
  'vs ours',
  'vs raw-batched',
  'elapsed s',
  'lines',
  'files',
  'lost',
  'dup',
  'torn',
  'misplaced',
  'failed runs',
];
const rows = summary.map((s) => [
  s.writer,
  fmt(s.linesPerSec),
  s.vsOurs == null ? 'n/a' : `${s.vsOurs.toFixed(2)}x`,
  s.vsFloor == null ? 'n/a' : `${s.vsFloor.toFixed(2)}x`,
  Number.isFinite(s.elapsed) ? s.elapsed.toFixed(2) : 'n/a',
  fmt(s.lines),
  fmt(s.files),
  fmt(s.lost),
  fmt(s.duplicated),
  fmt(s.torn),
  s.verifyAll ? 'n/a*' : fmt(s.misplaced),
  `${s.failedRuns}/${s.runs}`,
]);
const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ');
const table = [
  `peers: ${opts.procs} procs x ${opts.threads} threads, ${opts.tasks} tasks x ${opts.n} x 5 = ${expected.toLocaleString('en-US')} records, ${rotation}, ${opts.rounds} round(s); median lines/s, worst round's losses`,
  line(cols),
  line(widths.map((w) => '-'.repeat(w))),
  ...rows.map(line),
  "* rotated names differ from CPython's: every file of the stem was read, no misplaced check.",
].join('\n');

const date = new Date().toISOString();
const stamp = date.replace(/[:.]/g, '-');
const outDir = join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const result = {
  date,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: availableParallelism(),
  procs: opts.procs,
  threads: opts.threads,
  tasks: opts.tasks,
  n: opts.n,
  expected,
  rounds: opts.rounds,
  maxBytes: opts.maxBytes,
  rotation,
  summary,
  runs,
};
const jsonPath = join(outDir, `peers-${stamp}.json`);
const svgPath = join(outDir, `peers-${stamp}.svg`);
writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
writeFileSync(svgPath, chart(summary, result));
process.stdout.write(table + `\nsaved ${jsonPath}\nsaved ${svgPath}\n`);
if (opts.json) process.stdout.write(JSON.stringify({ ...result, runs: undefined }) + '\n');

/** Two horizontal bar panels: median lines/s, and lost + torn records (worst round) per writer. */
function chart(summary, meta) {
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Room right of the longest bar for its label ("lost 396,221, torn 0, dup 0").
  const W = 960,
    label = 170,
    barW = 520,
    rowH = 26,
    top = 64,
    gap = 56;
  const n = summary.length;
  const panelH = n * rowH;
  const H = top + panelH + gap + panelH + 70;
  const maxRate = Math.max(1, ...summary.map((s) => s.linesPerSec || 0));
  const maxBad = Math.max(1, ...summary.map((s) => (s.lost || 0) + (s.torn || 0)));
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(
    `<text x="16" y="24" font-size="16" font-weight="bold">concurrent-log stress: ${esc(meta.procs)} procs x ${esc(meta.threads)} threads, ${esc(meta.expected.toLocaleString('en-US'))} records, ${esc(meta.rotation)}</text>`,
  );
  out.push(
    `<text x="16" y="44" fill="#555">${esc(meta.node)} ${esc(meta.platform)}, ${esc(meta.cpus)} cpus, ${esc(meta.rounds)} round(s), ${esc(meta.date)}</text>`,
  );
  const panel = (y0, title, value, max, color, text) => {
    out.push(`<text x="16" y="${y0 - 8}" font-weight="bold">${esc(title)}</text>`);
    summary.forEach((s, i) => {
      const y = y0 + i * rowH;
      const v = value(s);
      const w = Number.isFinite(v) ? Math.max(v > 0 ? 2 : 0, (barW * v) / max) : 0;
      const fill = s.writer === 'ours' ? '#1f6feb' : color;
      out.push(`<text x="${label - 8}" y="${y + 17}" text-anchor="end">${esc(s.writer)}</text>`);
      out.push(`<rect x="${label}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${fill}"/>`);
      out.push(`<text x="${(label + w + 6).toFixed(1)}" y="${y + 17}" fill="#333">${esc(text(s))}</text>`);
    });
    out.push(`<line x1="${label}" y1="${y0}" x2="${label}" y2="${y0 + panelH}" stroke="#999"/>`);
  };
  panel(
    top + 18,
    'lines per second (median; higher is better)',
    (s) => s.linesPerSec,
    maxRate,
    '#8b949e',
    (s) =>
      Number.isFinite(s.linesPerSec)
        ? `${s.linesPerSec.toLocaleString('en-US')}${s.vsOurs != null ? ` (${s.vsOurs.toFixed(2)}x ours)` : ''}`
        : 'failed',
  );
  panel(
    top + 18 + panelH + gap,
    'records lost + torn (worst round; 0 is the only good value)',
    (s) => (s.lost || 0) + (s.torn || 0),
    maxBad,
    '#cf222e',
    (s) =>
      Number.isFinite(s.lost)
        ? `lost ${s.lost.toLocaleString('en-US')}, torn ${s.torn.toLocaleString('en-US')}, dup ${s.duplicated.toLocaleString('en-US')}`
        : 'failed',
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
