// Many files in one process: one flusher thread serves them all, and a file the disk refuses does
// not hold up the others.
import test from 'ava';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { reported, tempDir } from './helpers/core.mjs';

const threads = () => readdirSync('/proc/self/task').length;
const lines = (p) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

test('50 files written from the main thread and 3 workers are served by one flusher thread', async (t) => {
  const dir = tempDir();
  const files = Array.from({ length: 50 }, (_, i) => join(dir, `f${i}`, 'app.log'));
  const handlers = files.map((f) => new ConcurrentTimedRotatingFileHandler(f));
  const before = threads();
  const workers = Array.from(
    { length: 3 },
    (_, w) =>
      new Worker(
        `
    const { workerData, parentPort } = require('node:worker_threads');
    const { ConcurrentTimedRotatingFileHandler } = require('concurrent-log');
    (async () => {
      const hs = workerData.files.map((f) => new ConcurrentTimedRotatingFileHandler(f));
      for (let i = 0; i < 100; i++) hs.forEach((h, k) => h.write('w${w} ' + k + ' ' + i + '\\n'));
      await Promise.all(hs.map((h) => h.close()));
      parentPort.postMessage('done');
    })();
  `,
        { eval: true, workerData: { files } },
      ),
  );
  const exited = workers.map((w) => new Promise((r) => w.once('exit', r)));
  for (let i = 0; i < 100; i++) handlers.forEach((h, k) => h.write(`main ${k} ${i}\n`));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  // The main thread's handlers, the flusher, and the three workers still winding down: no
  // flusher per file.
  const during = threads() - before;
  await Promise.all(handlers.map((h) => h.close()));
  await Promise.all(exited);
  t.true(during <= 3 + 2, `${during} threads beyond the workers' 3 for 50 files`);
  for (const f of files) t.is(lines(f).length, 400);
});

test('a file the disk refuses does not hold up the others served by the same flusher', async (t) => {
  const dir = tempDir();
  const good = Array.from({ length: 5 }, (_, i) => join(dir, `good${i}.log`));
  const badPath = join(dir, 'bad.log');
  mkdirSync(badPath); // the base path is a folder: EISDIR on every attempt
  const errors = [];
  // delay: without it the constructor throws EISDIR (as CPython); the fault is met by the flusher instead.
  const bad = new ConcurrentTimedRotatingFileHandler(badPath, { delay: true, onError: (e) => errors.push(e) });
  const handlers = good.map((f) => new ConcurrentTimedRotatingFileHandler(f));
  bad.write('bad 0\n');
  // The flusher has met the fault (it may still have been booting when the handlers were made).
  await reported(errors, (e) => e.code === 'EISDIR', 30_000);
  for (let round = 0; round < 3; round++) {
    if (round > 0) bad.write(`bad ${round}\n`);
    handlers.forEach((h, k) => h.write(`good ${k} ${round}\n`));
    // Each good file is on disk while the bad one keeps failing (and backing off).
    await Promise.all(handlers.map((h) => h.flush()));
    for (const f of good) t.is(lines(f).length, round + 1);
    await new Promise((r) => setTimeout(r, 200));
  }
  rmSync(badPath, { recursive: true });
  await bad.close();
  t.deepEqual(lines(badPath), ['bad 0', 'bad 1', 'bad 2']);
  await Promise.all(handlers.map((h) => h.close()));
});
