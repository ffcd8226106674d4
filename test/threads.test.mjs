// Worker threads of one process sharing a file's buffer: progress while every thread is busy,
// terminated writers, a dying flusher, and the package loaded twice.
import test from 'ava';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir, FIXTURES } from './helpers/core.mjs';

const writer = (workerData) => new Worker(join(FIXTURES, 'thread-writer.mjs'), { workerData });
const linesOf = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

test('workers started after the handler attach to its buffer', async (t) => {
  const file = join(tempDir(), 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H', delay: true });
  const workers = [
    writer({ file, count: 500, tag: 'w1', after: 'close' }),
    writer({ file, count: 500, tag: 'w2', after: 'close' }),
  ];
  await Promise.all(workers.map((w) => once(w, 'exit')));
  // Every record of both workers went through the buffer this handler sees.
  t.is(h.stats().accepted, 1000);
  await h.close();
  t.is(linesOf(file).length, 1000);
});

test('records reach the disk while every thread is busy in a synchronous loop', async (t) => {
  const file = join(tempDir(), 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H', delay: true });
  const w = writer({ file, count: 200, tag: 'busy', after: 'spin', spinMs: 5000 });
  await once(w, 'message');
  h.write('main\n');
  // The main thread spins too: no event loop turns anywhere but the flusher's own thread.
  t.is(spinUntilLines(file, 201, 20_000), 201);
  await w.terminate();
  await h.close();
});

/**
 * Blocks this thread (its event loop never turns) until `file` holds `want` lines or `ms` pass. It
 * naps between looks rather than spinning: on two cores a spin starves the flusher it waits for, which
 * may still be booting (a handler no longer waits for that in its constructor).
 */
function spinUntilLines(file, want, ms) {
  const deadline = Date.now() + ms;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let seen = 0;
  while (Date.now() < deadline && (seen = linesOf(file).length) < want) Atomics.wait(nap, 0, 0, 5);
  return seen;
}

test('a file made while the flusher is still booting is served, though its thread never turns its event loop again', async (t) => {
  const dir = tempDir();
  // The first handler starts the flusher thread; the second is made at once, while it boots.
  const first = new ConcurrentTimedRotatingFileHandler(join(dir, 'first.log'), { when: 'H', delay: true });
  const file = join(dir, 'second.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H', delay: true });
  h.write('second\n');
  t.is(spinUntilLines(file, 1, 20_000), 1);
  await h.close();
  await first.close();
});

// Serial: alone in the process, so that the flusher really ends with the opener and the worker starts the next.
test.serial(
  'a file made in another thread while a worker-started flusher boots is served, though every thread then spins',
  async (t) => {
    const dir = tempDir();
    // The main thread's handler makes the process hub, so workers started from now on share it; once
    // it is closed the flusher lets its file go and ends, and the next handler, in a worker, starts one.
    const opener = new ConcurrentTimedRotatingFileHandler(join(dir, 'opener.log'), { when: 'H', delay: true });
    await opener.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const w = writer({ file: join(dir, 'worker.log'), count: 1, tag: 'w', after: 'spin', spinMs: 6000 });
    await once(w, 'message');
    const file = join(dir, 'main.log');
    const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H', delay: true });
    h.write('main\n');
    t.is(spinUntilLines(file, 1, 20_000), 1);
    t.is(
      spinUntilLines(join(dir, 'worker.log'), 1, 20_000),
      1,
      "the worker's file is handed over to the main thread's flusher",
    );
    await w.terminate();
    await h.close();
  },
);

// Serial: the flusher must be this process's only one, ending as its last file closes.
test.serial(
  'a file opened the moment the last one closed, as the flusher is ending, is served, though its thread then never turns its event loop',
  async (t) => {
    const dir = tempDir();
    for (let i = 0; i < 10; i++) {
      const last = new ConcurrentTimedRotatingFileHandler(join(dir, `last${i}.log`), { when: 'H', delay: true });
      last.write('last\n');
      await last.close();
      // The flusher lets its last file go and ends, or is ending, as this one is announced to it.
      const file = join(dir, `next${i}.log`);
      const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H', delay: true });
      h.write('next\n');
      t.is(spinUntilLines(file, 1, 10_000), 1, `round ${i}`);
      await h.close();
    }
  },
);

test('a worker terminated right after write() returned loses nothing', async (t) => {
  const file = join(tempDir(), 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H', delay: true, flushInterval: 1000 });
  const w = writer({ file, count: 3000, tag: 'doomed', after: 'spin' });
  await once(w, 'message');
  await w.terminate();
  await h.close();
  const got = linesOf(file);
  t.is(got.length, 3000);
  t.is(new Set(got).size, 3000);
});

test('when the flusher thread dies another takes over, losing and repeating nothing', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const marker = join(dir, 'died');
  const child = fork(join(FIXTURES, 'flusher-dies.mjs'), [file, marker], {
    env: { ...process.env, CL_DIE_MARKER: marker },
  });
  const [msg] = await once(child, 'message');
  t.true(msg.died, 'the flusher thread really died');
  const all = readdirSync(dir)
    .filter((f) => f.startsWith('app.log') && !f.endsWith('.lock'))
    .flatMap((f) => linesOf(join(dir, f)));
  t.is(all.length, msg.total);
  t.is(new Set(all).size, msg.total);
  for (let s = 0; s < 4; s++) {
    const rotatedFile = join(dir, `app.log.2025-06-15_12-00-0${s}`);
    t.true(
      linesOf(rotatedFile).every((l) => l.startsWith(`s${s} `)),
      `second ${s} holds only its own records`,
    );
  }
});

test('the package loaded as ESM and as CommonJS in one process shares one buffer per file', async (t) => {
  const file = join(tempDir(), 'app.log');
  const child = fork(join(FIXTURES, 'dual-load.mjs'), [file]);
  const [msg] = await once(child, 'message');
  t.false(msg.sameClass, 'two copies of the package were loaded');
  t.is(msg.a.accepted, 200);
  t.is(msg.b.accepted, 200);
  t.is(linesOf(file).length, 200);
});
