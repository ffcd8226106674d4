// One process of the stress workload, forked by `concurrent-log stress`: a piscina pool of `threads`
// workers runs this process's tasks, each worker configuring the handler itself (the seed's shape:
// the main thread never opens the file); with `mainOpens`, the main thread creates it first, before
// the pool. Progress, and the process's threads and peak RSS, go to the parent over IPC.
import { readFileSync } from 'node:fs';
import { Piscina } from 'piscina';
import { handlerOptions, usesOurHandler } from './writers.js';
import type { CloseTask, WriteTask } from './task.js';

export interface ChildConfig {
  writer: string;
  file: string;
  when: string;
  fsync: boolean;
  /** Writer ours: rotate by size too; with when 'NONE', by size alone. */
  maxBytes: number;
  threads: number;
  n: number;
  tasks: number[];
  /** Our writers: the main thread opens the file before the pool starts (the shape before the seed's). */
  mainOpens: boolean;
}

export type ChildMessage =
  | { type: 'progress'; records: number }
  | { type: 'done'; records: number; ms: number; threads: number; peakRssMiB: number }
  | { type: 'error'; message: string };

const send = (m: ChildMessage): void => {
  if (process.send) process.send(m);
};

/** This process's OS threads now, and its peak RSS so far (Linux: /proc; elsewhere 0). */
function usage(): { threads: number; peakRssMiB: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return {
      threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
      peakRssMiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    };
  } catch {
    return { threads: 0, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
  const t0 = performance.now();
  const main =
    cfg.mainOpens && usesOurHandler(cfg.writer)
      ? (await import('../../core/open.js')).openLogFile(
          cfg.file,
          handlerOptions(cfg.when, cfg.fsync || cfg.writer === 'ours-fsync', cfg.maxBytes),
        )
      : null;
  main?.on('error', (err) => process.stderr.write(`stress child ${process.pid}: handler error: ${err.stack ?? err}\n`));
  const pool = new Piscina({
    // (The CommonJS build rewrites import.meta.url; tsc's CommonJS pass would reject it unsilenced.)
    // @ts-ignore TS1343
    filename: new URL('./task.js', import.meta.url).href,
    minThreads: cfg.threads,
    maxThreads: cfg.threads,
    idleTimeout: 600_000,
    // Peers flush asynchronously: the workers' event loops must keep running between tasks.
    atomics: 'async',
  });
  const progressBuf = new SharedArrayBuffer(4);
  const progress = new Int32Array(progressBuf);
  let threads = 0;
  const timer = setInterval(() => {
    threads = Math.max(threads, usage().threads);
    send({ type: 'progress', records: Atomics.load(progress, 0) });
  }, 200);
  try {
    const runs = cfg.tasks.map((task) => {
      const t: WriteTask = {
        kind: 'write',
        writer: cfg.writer,
        file: cfg.file,
        when: cfg.when,
        fsync: cfg.fsync,
        maxBytes: cfg.maxBytes,
        dictConfig: !cfg.mainOpens,
        task,
        n: cfg.n,
        progress: progressBuf,
      };
      return pool.run(t) as Promise<number>;
    });
    const written = (await Promise.all(runs)).reduce((a, b) => a + b, 0);
    // Every worker is up and has written: the most threads this process runs.
    threads = Math.max(threads, usage().threads);
    const barrier = new SharedArrayBuffer(4);
    const closes: CloseTask = { kind: 'close', barrier, total: cfg.threads };
    await Promise.all(Array.from({ length: cfg.threads }, () => pool.run(closes)));
    await pool.close();
    await main?.close();
    send({
      type: 'done',
      records: written,
      ms: performance.now() - t0,
      threads,
      peakRssMiB: Math.round(usage().peakRssMiB),
    });
  } finally {
    clearInterval(timer);
  }
}

main().catch((err: Error) => {
  send({ type: 'error', message: err.stack ?? String(err) });
  process.stderr.write(`stress child ${process.pid}: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
