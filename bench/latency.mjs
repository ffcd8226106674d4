#!/usr/bin/env node
// `npm run bench:latency`: how long one write() takes, from 1, 4 and 16 worker threads writing one
// file while it rotates every second (ours: when 'S'; pino and winston do not rotate here), each
// thread writing bursts of 200 records then sleeping 2 ms, for --seconds. Every call is timed with
// performance.now(); the table gives p50, p99, p99.9 and max (µs) per writer and thread count. A
// 'no-op' writer times the same loop around an empty call: the machine's own floor.
// Writes bench/results/latency-<timestamp>.json and .svg (p99 by threads, log scale).
// Flags: --seconds 3 --json
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineChart, markdownTable, parseFlags, saveResults } from './lib/report.mjs';

const BURST = 200;
const PAUSE_MS = 2;

async function openWriter(kind, file) {
  if (kind === 'no-op') {
    // The floor: the same loop and clock around a call that does nothing. Its max is what the
    // machine itself costs (preemption on oversubscribed cores, GC of the samples), not any logger.
    let bytes = 0;
    return {
      write: (line) => {
        bytes += line.length;
      },
      close: async () => bytes,
    };
  }
  if (kind === 'ours') {
    const { ConcurrentTimedRotatingFileHandler } = await import('concurrent-log');
    const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'S' });
    return { write: (line) => h.write(line), close: () => h.close() };
  }
  if (kind === 'pino') {
    const pino = (await import('pino')).default;
    const dest = pino.destination({ dest: file, sync: false });
    const log = pino(dest);
    return {
      write: (line) => log.info(line),
      close: () =>
        new Promise((r) => {
          dest.once('close', r);
          dest.end();
        }),
    };
  }
  const winston = (await import('winston')).default;
  const transport = new winston.transports.File({ filename: file });
  const logger = winston.createLogger({ transports: [transport] });
  return {
    write: (line) => logger.info(line),
    close: async () => {
      // winston's File transport under load can be ended with data still piped to it (write after
      // end): let both streams drain first.
      while (logger.writableLength > 0 || transport.writableLength > 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => {
        transport.once('finish', r);
        logger.end();
      });
    },
  };
}

if (!isMainThread) {
  const { kind, file, seconds } = workerData;
  const w = await openWriter(kind, file);
  const samples = [];
  const end = performance.now() + seconds * 1000;
  let i = 0;
  while (performance.now() < end) {
    for (let b = 0; b < BURST; b++, i++) {
      const line = `record ${i} from a worker thread, about as long as an ordinary log line\n`;
      const t0 = performance.now();
      w.write(line);
      samples.push(performance.now() - t0);
    }
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  await w.close();
  const f = Float64Array.from(samples);
  parentPort.postMessage(f, [f.buffer]);
} else {
  const opts = parseFlags(
    process.argv.slice(2),
    { seconds: 3 },
    'usage: node bench/latency.mjs [--seconds 3] [--json]',
  );
  const self = fileURLToPath(import.meta.url);
  const KINDS = ['ours', 'pino', 'winston', 'no-op'];
  const THREADS = [1, 4, 16];
  const rows = [];
  const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const scratch = mkdtempSync(join(tmpdir(), 'concurrent-log-latency-'));
  try {
    for (const threads of THREADS) {
      for (const kind of KINDS) {
        const file = join(scratch, `${kind}-${threads}.log`);
        if (kind === 'ours') {
          // The handler made first in this thread, so the workers share its buffer (as an app would).
          const { ConcurrentTimedRotatingFileHandler } = await import('concurrent-log');
          var main = new ConcurrentTimedRotatingFileHandler(file, { when: 'S' });
        }
        const parts = await Promise.all(
          Array.from(
            { length: threads },
            () =>
              new Promise((resolve, reject) => {
                const w = new Worker(self, { workerData: { kind, file, seconds: opts.seconds } });
                w.once('message', resolve);
                w.once('error', reject);
              }),
          ),
        );
        if (kind === 'ours') await main.close();
        const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          all.set(p, at);
          at += p.length;
        }
        all.sort();
        const us = (ms) => Math.round(ms * 1000 * 10) / 10;
        // The goal is no write over 1 ms: how many were, as a count next to the percentiles.
        let over1ms = 0;
        for (let j = all.length - 1; j >= 0 && all[j] > 1; j--) over1ms++;
        rows.push({
          writer: kind,
          threads,
          writes: all.length,
          p50: us(pct(all, 0.5)),
          p99: us(pct(all, 0.99)),
          p999: us(pct(all, 0.999)),
          max: us(all[all.length - 1]),
          over1ms,
        });
        process.stderr.write(`${kind} x ${threads}: ${all.length} writes\n`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const date = new Date().toISOString();
  const result = { ...opts, burst: BURST, pauseMs: PAUSE_MS, node: process.version, date, rows };
  const svg = lineChart({
    title: 'write() latency p99 (µs, log scale) while the file rotates every second',
    subtitle: `${process.version}, bursts of ${BURST} then ${PAUSE_MS} ms, ${opts.seconds} s per cell, ${date}`,
    xs: THREADS,
    xLabel: 'writer threads',
    yLabel: 'p99 µs',
    series: KINDS.flatMap((k) => [
      { name: `${k} p99`, points: rows.filter((r) => r.writer === k).map((r) => [r.threads, r.p99]) },
    ]),
    logY: true,
  });
  const paths = saveResults('latency', result, svg);
  if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      markdownTable(
        ['writer', 'threads', 'writes', 'p50 µs', 'p99 µs', 'p99.9 µs', 'max µs', 'writes over 1 ms'],
        rows.map((r) => [r.writer, r.threads, r.writes, r.p50, r.p99, r.p999, r.max, r.over1ms]),
      ),
    );
    process.stdout.write(`\nsaved ${paths.join('\nsaved ')}\n`);
  }
}
