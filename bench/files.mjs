#!/usr/bin/env node
// `npm run bench:files`: the cost of many log files in one process. For each writer, a fresh child
// process opens N files, writes `records` records to each and waits until all are on disk; it
// reports the threads and RSS that the N files added and the time to the first flush of all.
// Writers: ours (N handlers: one flusher thread for all), ours-workers (the same N files opened only
// from `workers` worker threads, each opening every file; the main thread never loads the package)
// and pino transports (one thread each).
// Prints a table and writes bench/results/files-<timestamp>.json.
//
// Flags: --files 50 --records 1000 --workers 4 --rounds 3 --json
import { spawnSync } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, markdownTable, median, parseFlags, saveResults } from './lib/report.mjs';

const self = fileURLToPath(import.meta.url);

if (!isMainThread) {
  // A worker of ours-workers: loads the package, then on 'go' opens every file, writes its share of
  // the records to each and flushes them all.
  const { ConcurrentTimedRotatingFileHandler } = await import('concurrent-log');
  parentPort.postMessage('loaded');
  parentPort.once('message', async () => {
    const { paths, records, index, workers } = workerData;
    const hs = paths.map((p) => new ConcurrentTimedRotatingFileHandler(p));
    for (let i = index; i < records; i += workers) for (const h of hs) h.write(`record ${i} of ${h.filename}\n`);
    await Promise.all(hs.map((h) => h.flush()));
    parentPort.postMessage('flushed');
    parentPort.once('message', async () => {
      await Promise.all(hs.map((h) => h.close()));
      parentPort.close();
    });
  });
} else if (process.argv[2] === '--child') {
  const [, , , writer, dir, files, records, workerCount] = process.argv;
  const threads = () => readdirSync('/proc/self/task').length;
  const mib = () => process.memoryUsage().rss / 2 ** 20;
  const paths = Array.from({ length: Number(files) }, (_, i) => join(dir, `f${i}.log`));
  // Load the writer's code first, so the figures are what the files add, not what the import does.
  const mod =
    writer === 'ours'
      ? await import('concurrent-log')
      : writer === 'pino-transports'
        ? (await import('pino')).default
        : null;
  const workers =
    writer === 'ours-workers'
      ? Array.from(
          { length: Number(workerCount) },
          (_, index) =>
            new Worker(self, { workerData: { paths, records: Number(records), index, workers: Number(workerCount) } }),
        )
      : [];
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  await new Promise((r) => setTimeout(r, 100));
  const t0 = { threads: threads(), rss: mib(), at: performance.now() };
  let flushAll;
  let peak = 0;
  if (writer === 'ours-workers') {
    const sampler = setInterval(() => (peak = Math.max(peak, threads())), 5);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((r) => {
            w.once('message', r);
            w.postMessage('go');
          }),
      ),
    );
    clearInterval(sampler);
    peak = Math.max(peak, threads());
  } else if (writer === 'ours') {
    const hs = paths.map((p) => new mod.ConcurrentTimedRotatingFileHandler(p));
    for (let i = 0; i < Number(records); i++) for (const h of hs) h.write(`record ${i} of ${h.filename}\n`);
    peak = threads();
    flushAll = () => Promise.all(hs.map((h) => h.flush()));
    await flushAll();
  } else {
    const loggers = paths.map((p) => mod(mod.transport({ target: 'pino/file', options: { destination: p } })));
    for (let i = 0; i < Number(records); i++) for (const l of loggers) l.info(`record ${i}`);
    peak = threads();
    // thread-stream has no flush promise: wait until every file holds every record.
    const { readFileSync, existsSync } = await import('node:fs');
    const full = (p) => existsSync(p) && readFileSync(p, 'utf8').split('\n').length - 1 >= Number(records);
    while (!paths.every(full)) await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0.at;
  process.stdout.write(
    JSON.stringify({ writer, threads: Math.max(peak, threads()) - t0.threads, rssMiB: mib() - t0.rss, flushMs: ms }) +
      '\n',
  );
  for (const w of workers) w.postMessage('close');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  process.exit(0);
}

if (isMainThread && process.argv[2] !== '--child') {
  const opts = parseFlags(
    process.argv.slice(2),
    { files: 50, records: 1000, workers: 4, rounds: 3 },
    'usage: node bench/files.mjs [--files 50] [--records 1000] [--workers 4] [--rounds 3] [--json]',
  );
  const WRITERS = ['ours', 'ours-workers', 'pino-transports'];
  const scratch = mkdtempSync(join(tmpdir(), 'concurrent-log-files-'));
  const runs = Object.fromEntries(WRITERS.map((w) => [w, []]));
  try {
    for (let round = 0; round < opts.rounds; round++) {
      for (const w of round % 2 ? [...WRITERS].reverse() : WRITERS) {
        const dir = join(scratch, `${w}-${round}`);
        mkdirSync(dir);
        const r = spawnSync(
          process.execPath,
          [self, '--child', w, dir, String(opts.files), String(opts.records), String(opts.workers)],
          { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
        );
        if (r.status !== 0) throw new Error(`${w}: exit ${r.status}\n${r.stderr}`);
        runs[w].push(JSON.parse(r.stdout.trim().split('\n').at(-1)));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const rows = WRITERS.map((w) => ({
    writer: w,
    threads: median(runs[w].map((r) => r.threads)),
    rssMiB: Math.round(median(runs[w].map((r) => r.rssMiB)) * 10) / 10,
    flushMs: Math.round(median(runs[w].map((r) => r.flushMs))),
  }));
  const result = { ...opts, node: process.version, date: new Date().toISOString(), rows, runs };
  const [out] = saveResults('files', result);
  if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      `${opts.files} files in one process, ${opts.records} records each (median of ${opts.rounds}):\n\n`,
    );
    process.stdout.write(
      markdownTable(
        ['writer', 'extra threads', 'extra RSS (MiB)', 'write + flush all (ms)'],
        rows.map((r) => [r.writer, r.threads, r.rssMiB, r.flushMs]),
      ),
    );
    process.stdout.write(`\nsaved ${out}\n`);
  }
}
