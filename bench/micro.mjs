#!/usr/bin/env node
// `npm run bench:micro` (tinybench): the cost of one `write` from a worker thread (ours vs pino to a
// file), of formatting the seed's line (our stress formatter and the package's Python-style
// Formatter), of a flock acquire/release (fs-ext), and the RSS before/after a 500k-line `ours` run
// (two worker threads, 250k lines each). Prints a table; JSON goes to bench/results/micro-<ts>.json.
//
// Flags: --time MS (per task, default 500) --lines N (RSS run, default 500000) --json
import { Worker, isMainThread, workerData, parentPort, threadId } from 'node:worker_threads';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => new URL(`../dist/esm/${p}`, import.meta.url).href;
const { ConcurrentTimedRotatingFileHandler, Formatter, makeLogRecord } = await import(dist('index.js'));
const { seedLine, handlerOptions } = await import(dist('dev/stress/writers.js'));
const SEED_FORMAT =
  '%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s';

function stats(task) {
  const r = task.result ?? {};
  const l = r.latency ?? {};
  const t = r.throughput ?? {};
  return {
    name: task.name,
    state: r.state,
    nsPerOp: Number.isFinite(l.mean) ? Math.round(l.mean * 1e6) : null,
    p50ns: Number.isFinite(l.p50) ? Math.round(l.p50 * 1e6) : null,
    p99ns: Number.isFinite(l.p99) ? Math.round(l.p99 * 1e6) : null,
    opsPerSec: Number.isFinite(t.mean) ? Math.round(t.mean) : null,
    rmePct: Number.isFinite(l.rme) ? Number(l.rme.toFixed(2)) : null,
    samples: l.samplesCount ?? r.samples?.length ?? null,
    error: r.error ? String(r.error) : undefined,
  };
}

async function workerMain() {
  const { mode, file, time, lines, when } = workerData;
  const thread = `Worker-${threadId}`;
  if (mode === 'write') {
    // One handler per thread, attached to the one the main thread made first (shared ring).
    const h = new ConcurrentTimedRotatingFileHandler(file.ours, handlerOptions(when));
    const pino = (await import('pino')).default;
    const dest = pino.destination({ dest: file.pino, sync: false, append: true });
    const log = pino({ level: 'debug' }, dest);
    let i = 0;
    const bench = new Bench({ time, warmupTime: 100 });
    bench.add('write: ours, seed line (worker thread)', () => {
      const t = Date.now();
      h.write(seedLine(1, `info-0-${i++}`, t, thread), t);
    });
    bench.add('write: ours, pre-formatted line (worker thread)', () => {
      h.write('2026-11-24 10:00:00,000 - 1-Worker-1 - /x.js[line:1] - INFO: info-0-0\n');
    });
    bench.add('write: pino info to file, sonic-boom sync:false (worker thread)', () => {
      log.info(`info-0-${i++}`);
    });
    bench.add('write: pino fatal to file (flushSync each, worker thread)', () => {
      log.fatal(`严重-0-${i++}`);
    });
    await bench.run();
    await h.close();
    await new Promise((r) => {
      dest.once('close', r);
      dest.end();
    });
    parentPort.postMessage(bench.tasks.map(stats));
  } else if (mode === 'rss') {
    const h = new ConcurrentTimedRotatingFileHandler(file, handlerOptions(when));
    const task = workerData.task;
    const LV = ['debug', 'info', '警告', '报错', '严重'];
    for (let i = 0; i < lines / 5; i++) {
      for (let k = 0; k < 5; k++) {
        const t = Date.now();
        h.write(seedLine(k, `${LV[k]}-${task}-${i}`, t, thread), t);
      }
    }
    await h.close();
    parentPort.postMessage('done');
  }
}

function runWorker(data) {
  return new Promise((res, rej) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: data });
    let out;
    w.once('message', (m) => {
      out = m;
    });
    w.once('error', rej);
    w.once('exit', (code) => (code === 0 ? res(out) : rej(new Error(`worker exit ${code}`))));
  });
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const time = flag('time', 500);
  const lines = flag('lines', 500_000);
  const json = args.includes('--json');
  const when = 'S';
  const scratch = mkdtempSync(join(tmpdir(), 'concurrent-log-micro-'));
  const results = [];
  try {
    // 1. Formatting and locking, in this thread.
    const fsExt = (await import('fs-ext')).default;
    const lockFd = openSync(join(scratch, 'micro.lock'), 'a');
    const fmt = Formatter ? new Formatter(SEED_FORMAT) : null;
    const rec = makeLogRecord
      ? makeLogRecord({
          name: 'stress',
          levelno: 20,
          levelname: 'INFO',
          msg: 'info-1-2',
          pathname: '/x/task.js',
          lineno: 27,
          threadName: 'Worker-1',
          created: Date.now() / 1000,
        })
      : null;
    let i = 0;
    const bench = new Bench({ time, warmupTime: 100 });
    bench.add('format: seed line (stress formatter, cached second)', () => {
      seedLine(i % 5, `info-1-${i++}`, Date.now(), 'Worker-1');
    });
    if (fmt && rec) {
      bench.add('format: seed line (package Formatter, %-style)', () => {
        rec.created = Date.now() / 1000;
        rec.msecs = Date.now() % 1000;
        fmt.format(rec);
      });
    }
    bench.add('lock: fs-ext flockSync ex + un', () => {
      fsExt.flockSync(lockFd, 'ex');
      fsExt.flockSync(lockFd, 'un');
    });
    // The handler's own lock (its Node-API flock addon), when this build has it.
    const { FileLock } = await import(dist('core/fs/filelock.js')).catch(() => ({}));
    if (FileLock) {
      const lock = new FileLock(join(scratch, 'own.lock'));
      if (typeof lock.acquire === 'function' && typeof lock.release === 'function') {
        bench.add('lock: package FileLock acquire + release (flock addon)', () => {
          lock.acquire();
          lock.release();
        });
      }
    }
    await bench.run();
    closeSync(lockFd);
    results.push(...bench.tasks.map(stats));

    // 2. One write from a worker thread: ours (handler made in the main thread first) vs pino.
    const files = { ours: join(scratch, 'ours.log'), pino: join(scratch, 'pino.log') };
    const mainHandler = new ConcurrentTimedRotatingFileHandler(files.ours, handlerOptions(when));
    results.push(...(await runWorker({ mode: 'write', file: files, time, when })));
    await mainHandler.close();
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });

    // 3. RSS around a 500k-line `ours` run from two worker threads.
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const file = join(scratch, 'rss.log');
    const h = new ConcurrentTimedRotatingFileHandler(file, handlerOptions(when));
    const t0 = performance.now();
    await Promise.all([0, 1].map((task) => runWorker({ mode: 'rss', file, lines: lines / 2, when, task })));
    await h.close();
    const secs = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const rssAfter = process.memoryUsage().rss;
    peak = Math.max(peak, rssAfter);
    globalThis.gc?.();
    const rss = {
      lines,
      threads: 2,
      seconds: Number(secs.toFixed(3)),
      linesPerSec: Math.round(lines / secs),
      rssBeforeMB: +(rssBefore / 2 ** 20).toFixed(1),
      rssPeakMB: +(peak / 2 ** 20).toFixed(1),
      rssAfterMB: +(rssAfter / 2 ** 20).toFixed(1),
    };

    const date = new Date().toISOString();
    const out = {
      date,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      timeMs: time,
      results,
      rss,
    };
    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `micro-${date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(path, JSON.stringify(out, null, 2) + '\n');

    const cols = ['task', 'ns/op (mean)', 'p50 ns', 'p99 ns', 'ops/s', '±%'];
    const rows = results.map((r) =>
      [r.name, r.nsPerOp, r.p50ns, r.p99ns, r.opsPerSec?.toLocaleString('en-US'), r.rmePct].map((v) =>
        v == null ? 'n/a' : String(v),
      ),
    );
    const w = cols.map((c, k) => Math.max(c.length, ...rows.map((r) => r[k].length)));
    const line = (r) => r.map((v, k) => (k === 0 ? v.padEnd(w[k]) : v.padStart(w[k]))).join('  ');
    process.stdout.write(
      [
        `micro: ${out.node} ${out.platform}, ${out.cpus} cpus, ${time} ms per task`,
        line(cols),
        line(w.map((x) => '-'.repeat(x))),
        ...rows.map(line),
        '',
        `RSS, ${lines.toLocaleString('en-US')}-line ours run (2 worker threads, ${rss.seconds}s, ${rss.linesPerSec.toLocaleString('en-US')} lines/s): before ${rss.rssBeforeMB} MB, peak ${rss.rssPeakMB} MB, after ${rss.rssAfterMB} MB`,
        `saved ${path}`,
        '',
      ].join('\n'),
    );
    if (json) process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else await workerMain();
