#!/usr/bin/env node
// `npm run bench:grid`: throughput as processes and threads grow, ours against raw-batched (the
// floor: 64 KiB writes per thread, no coordination). Each cell is one `stress` run of --tasks x --n
// x 5 records, verified line by line. Prints a table (lines/s, ours/raw-batched) and writes
// bench/results/grid-<timestamp>.json and .svg.
// Flags: --tasks 100 --n 1000 (the main job's 500,000 records) --procs 1,2,4 --threads 1,2,4,8 --json
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, lineChart, markdownTable, parseFlags, saveResults } from './lib/report.mjs';

const opts = parseFlags(
  process.argv.slice(2),
  { tasks: 100, n: 1000, procs: '1,2,4', threads: '1,2,4,8' },
  'usage: node bench/grid.mjs [--tasks 100] [--n 1000] [--procs 1,2,4] [--threads 1,2,4,8] [--json]',
);
const PROCS = opts.procs.split(',').map(Number);
const THREADS = opts.threads.split(',').map(Number);
const WRITERS = ['ours', 'raw-batched'];
const BIN = join(ROOT, 'bin', 'concurrent-log.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'concurrent-log-grid-'));
const cells = [];
try {
  for (const procs of PROCS) {
    for (const threads of THREADS) {
      for (const writer of WRITERS) {
        const dir = join(scratch, `${writer}-${procs}-${threads}`);
        const r = spawnSync(
          process.execPath,
          [
            BIN,
            'stress',
            '--writer',
            writer,
            '--procs',
            String(procs),
            '--threads',
            String(threads),
            '--tasks',
            String(opts.tasks),
            '--n',
            String(opts.n),
            '--dir',
            dir,
            '--json',
          ],
          { cwd: scratch, encoding: 'utf8', timeout: 600_000 },
        );
        const res = JSON.parse((r.stdout ?? '').trim().split('\n').at(-1) || 'null');
        if (r.status !== 0 || !res) throw new Error(`${writer} ${procs}x${threads}: exit ${r.status}\n${r.stderr}`);
        cells.push({
          writer,
          procs,
          threads,
          linesPerSec: res.linesPerSec,
          lost: res.lost,
          duplicated: res.duplicated,
          torn: res.torn,
          misplaced: res.misplaced,
        });
        process.stderr.write(`${writer} ${procs}x${threads}: ${res.linesPerSec.toLocaleString('en-US')} lines/s\n`);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const date = new Date().toISOString();
const cell = (w, p, t) => cells.find((c) => c.writer === w && c.procs === p && c.threads === t);
const result = { ...opts, node: process.version, date, cells };
const svg = lineChart({
  title: 'lines per second by threads per process (ours: solid colors; raw-batched: the floor)',
  subtitle: `${process.version}, ${opts.tasks} tasks x ${opts.n} x 5 records per cell, verified, ${date}`,
  xs: THREADS,
  xLabel: 'threads per process',
  yLabel: 'lines/s',
  series: WRITERS.flatMap((w) =>
    PROCS.map((p) => ({
      name: `${w}, ${p} proc${p > 1 ? 's' : ''}`,
      points: THREADS.map((t) => [t, cell(w, p, t).linesPerSec]),
    })),
  ),
});
const paths = saveResults('grid', result, svg);
if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
else {
  const rows = PROCS.flatMap((p) =>
    THREADS.map((t) => {
      const o = cell('ours', p, t);
      const r = cell('raw-batched', p, t);
      return [
        p,
        t,
        o.linesPerSec.toLocaleString('en-US'),
        r.linesPerSec.toLocaleString('en-US'),
        (o.linesPerSec / r.linesPerSec).toFixed(2),
        o.lost + o.duplicated + o.torn + o.misplaced,
      ];
    }),
  );
  process.stdout.write(
    markdownTable(
      ['procs', 'threads', 'ours lines/s', 'raw-batched lines/s', 'ours / raw-batched', 'ours lost+dup+torn+misplaced'],
      rows,
    ),
  );
  process.stdout.write(`\nsaved ${paths.join('\nsaved ')}\n`);
}
