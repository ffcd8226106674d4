#!/usr/bin/env node
// `npm run bench:startup`: the time a new worker thread takes to import the package's root entry,
// against pino's (pools of 100 threads pay it 100 times). Workers are started one after another,
// --runs of each, alternating; the table gives the median ms from `new Worker` to the import done.
// Writes bench/results/startup-<timestamp>.json. Flags: --runs 20 --json
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { markdownTable, median, parseFlags, saveResults } from './lib/report.mjs';

const opts = parseFlags(process.argv.slice(2), { runs: 20 }, 'usage: node bench/startup.mjs [--runs 20] [--json]');
// Resolved here (this file is inside the package), so the workers import the same files from any cwd.
// 'an empty ES module': what any import() costs a new thread before a line of the module runs (the
// ES module loader's own start), the floor under both.
const EMPTY = join(mkdtempSync(join(tmpdir(), 'concurrent-log-startup-')), 'empty.mjs');
writeFileSync(EMPTY, 'export {};\n');
const MODULES = {
  'concurrent-log': import.meta.resolve('concurrent-log'),
  pino: import.meta.resolve('pino'),
  'an empty ES module': pathToFileURL(EMPTY).href,
  'empty worker': null,
};

function once(spec) {
  const t0 = performance.now();
  const code =
    spec === null
      ? "require('node:worker_threads').parentPort.postMessage(0)"
      : `import(${JSON.stringify(spec)}).then(() => require('node:worker_threads').parentPort.postMessage(0))`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', () => {
      resolve(performance.now() - t0);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

const runs = Object.fromEntries(Object.keys(MODULES).map((k) => [k, []]));
for (let i = 0; i < opts.runs; i++) for (const [k, spec] of Object.entries(MODULES)) runs[k].push(await once(spec));
rmSync(dirname(EMPTY), { recursive: true, force: true });
const base = median(runs['empty worker']);
const rows = Object.keys(MODULES).map((k) => ({
  module: k,
  medianMs: Math.round(median(runs[k]) * 10) / 10,
  importMs: Math.round((median(runs[k]) - base) * 10) / 10,
}));
const ours = rows[0].importMs;
const pino = rows[1].importMs;
const result = {
  ...opts,
  node: process.version,
  date: new Date().toISOString(),
  rows,
  oursVsPino: Math.round((ours / pino) * 100) / 100,
  runs,
};
const [path] = saveResults('startup', result);
if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
else {
  process.stdout.write(
    markdownTable(
      ['in a new worker thread', 'median ms (worker + import)', 'import alone ms'],
      rows.map((r) => [r.module, r.medianMs, r.importMs]),
    ),
  );
  process.stdout.write(`\nconcurrent-log / pino import time: ${result.oursVsPino}x\nsaved ${path}\n`);
}
