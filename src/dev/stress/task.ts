// The piscina task of the stress workload (runs in a worker thread of a child process): task `task`
// writes `n` iterations of five records `<level>-<task>-<i>`, through a writer opened once per
// worker thread and cached at module level. A `close` task flushes and closes this thread's writer.
import { LEVELS, openWriter, type StressWriter } from './writers.js';

export interface WriteTask {
  kind: 'write';
  writer: string;
  file: string;
  when: string;
  fsync: boolean;
  maxBytes: number;
  /** ours: configure the handler in this thread by dictConfig, as the seed does (see writers.ts). */
  dictConfig: boolean;
  task: number;
  n: number;
  /** Int32Array(1) over a SharedArrayBuffer: records written so far in this process. */
  progress: SharedArrayBuffer;
}

export interface CloseTask {
  kind: 'close';
  /** Int32Array(1): close tasks started; each waits until all `total` have, so every worker gets one. */
  barrier: SharedArrayBuffer;
  total: number;
}

const CLOSE_TIMEOUT_MS = 15_000;

let cached: { key: string; writer: Promise<StressWriter> } | null = null;

function writerFor(t: WriteTask): Promise<StressWriter> {
  const key = `${t.writer}\0${t.file}\0${t.when}\0${t.fsync}\0${t.maxBytes}\0${t.dictConfig}`;
  if (!cached || cached.key !== key) cached = { key, writer: openWriter(t.writer, t.file, { when: t.when, fsync: t.fsync, maxBytes: t.maxBytes, dictConfig: t.dictConfig }) };
  return cached.writer;
}

export default async function run(t: WriteTask | CloseTask): Promise<number> {
  if (t.kind === 'close') {
    const barrier = new Int32Array(t.barrier);
    Atomics.add(barrier, 0, 1);
    const mine = cached;
    cached = null;
    if (mine) {
      // A peer whose stream broke (e.g. a rename race) may never finish closing: don't hang the run.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          process.stderr.write(`stress: ${mine.key.split('\0')[0]} writer of pid ${process.pid} did not close within ${CLOSE_TIMEOUT_MS} ms\n`);
          resolve();
        }, CLOSE_TIMEOUT_MS);
      });
      await Promise.race([(await mine.writer).close(), timeout]);
      clearTimeout(timer);
    }
    const deadline = Date.now() + 60_000;
    while (Atomics.load(barrier, 0) < t.total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    return 0;
  }
  const w = await writerFor(t);
  const progress = new Int32Array(t.progress);
  const prefix = LEVELS.map((l) => `${l}-${t.task}-`);
  for (let i = 0; i < t.n; i++) {
    for (let k = 0; k < prefix.length; k++) w.write(k, prefix[k] + i, Date.now());
    if (i % 100 === 99) Atomics.add(progress, 0, 100 * prefix.length);
  }
  Atomics.add(progress, 0, (t.n % 100) * 5);
  return t.n * 5;
}
