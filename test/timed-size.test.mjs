// maxBytes on ConcurrentTimedRotatingFileHandler: within a period, a base file that would reach
// maxBytes is rotated to <base>.<suffix>.<part>. The names start as CPython's, no rotated file is
// renamed again, a period's names sort numerically in time, and every record stays in a file whose
// suffix names its own period — checked on real files, with processes and worker threads.
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { ConcurrentTimedRotatingFileHandler, ConfigError, filesToDelete, Schedule } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';
import { assertRotated, processes } from './helpers/size-log.mjs';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
/** 9-byte records `rec N sP\n` at second P of T0, N < 10. */
const rec = (n, p) => [`rec ${n} s${p}\n`, T0 + p * 1000 + n];

function open(dir, options = {}) {
  return new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'S',
    utc: true,
    maxBytes: 30,
    delay: true,
    shared: false,
    ...options,
  });
}

function folder(dir) {
  const out = {};
  for (const name of readdirSync(dir).sort())
    if (!name.startsWith('.')) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}

test("a period's base file that would reach maxBytes becomes <base>.<suffix>.1, .2 ...; the period's last file is numbered after them", async (t) => {
  const dir = tempDir('cl-tsize-');
  const h = open(dir);
  for (let n = 0; n < 8; n++) h.write(...rec(n, 0)); // 72 bytes: parts of 3, 3 and 2 records
  for (let n = 0; n < 2; n++) h.write(...rec(n, 1)); // a period with no size rotation keeps CPython's name
  h.write(...rec(0, 2));
  await h.close();
  t.deepEqual(folder(dir), {
    'app.log': 'rec 0 s2\n',
    'app.log.2026-01-01_00-00-00.1': 'rec 0 s0\nrec 1 s0\nrec 2 s0\n',
    'app.log.2026-01-01_00-00-00.2': 'rec 3 s0\nrec 4 s0\nrec 5 s0\n',
    'app.log.2026-01-01_00-00-00.3': 'rec 6 s0\nrec 7 s0\n',
    'app.log.2026-01-01_00-00-01': 'rec 0 s1\nrec 1 s1\n',
  });
});

test("late records go to their period's last file, and start a new part of that period rather than pass maxBytes", async (t) => {
  const dir = tempDir('cl-tsize-');
  const h = open(dir);
  for (let n = 0; n < 3; n++) h.write(...rec(n, 0));
  for (let n = 0; n < 2; n++) h.write(...rec(n, 1));
  for (let n = 5; n < 9; n++) h.write(...rec(n, 0)); // late: second 0 is rotated already
  h.write(...rec(0, 2));
  h.write(...rec(5, 1)); // late, and fits in second 1's file
  await h.close();
  t.deepEqual(folder(dir), {
    'app.log': 'rec 0 s2\n',
    'app.log.2026-01-01_00-00-00': 'rec 0 s0\nrec 1 s0\nrec 2 s0\n',
    'app.log.2026-01-01_00-00-00.1': 'rec 5 s0\nrec 6 s0\nrec 7 s0\n',
    'app.log.2026-01-01_00-00-00.2': 'rec 8 s0\n',
    'app.log.2026-01-01_00-00-01': 'rec 0 s1\nrec 1 s1\nrec 5 s1\n',
  });
});

test('late records drained in one batch fill new parts of their period in turn, none past maxBytes', async (t) => {
  const dir = tempDir('cl-tsize-');
  // The shared buffer, drained late and at once: the late records reach the disk as one batch.
  const h = open(dir, { shared: true, flushInterval: 60_000 });
  for (let n = 0; n < 3; n++) h.write(...rec(n, 0));
  h.write(...rec(0, 1));
  await h.flush();
  for (let n = 3; n < 10; n++) h.write(...rec(n, 0)); // 63 bytes, late: second 0 is rotated already
  await h.close();
  t.deepEqual(folder(dir), {
    'app.log': 'rec 0 s1\n',
    'app.log.2026-01-01_00-00-00': 'rec 0 s0\nrec 1 s0\nrec 2 s0\n',
    'app.log.2026-01-01_00-00-00.1': 'rec 3 s0\nrec 4 s0\nrec 5 s0\n',
    'app.log.2026-01-01_00-00-00.2': 'rec 6 s0\nrec 7 s0\nrec 8 s0\n',
    'app.log.2026-01-01_00-00-00.3': 'rec 9 s0\n',
  });
});

test("records older than the handler's first period (no journal entry) fill their own period's parts too, none past maxBytes", async (t) => {
  const dir = tempDir('cl-tsize-');
  const h = open(dir);
  h.write(...rec(0, 5)); // the base file's period starts at second 5
  for (let n = 0; n < 8; n++) h.write(...rec(n, 0)); // 72 bytes of second 0, a period the state never had
  await h.close();
  t.deepEqual(folder(dir), {
    'app.log': 'rec 0 s5\n',
    'app.log.2026-01-01_00-00-00': 'rec 0 s0\nrec 1 s0\nrec 2 s0\n',
    'app.log.2026-01-01_00-00-00.1': 'rec 3 s0\nrec 4 s0\nrec 5 s0\n',
    'app.log.2026-01-01_00-00-00.2': 'rec 6 s0\nrec 7 s0\n',
  });
});

test('a rotated part is never renamed again, and backupCount counts the parts as backups', async (t) => {
  const dir = tempDir('cl-tsize-');
  const h = open(dir, { backupCount: 3 });
  h.write(...rec(0, 0));
  h.write(...rec(1, 0));
  h.write(...rec(2, 0));
  h.write(...rec(3, 0));
  await h.flush();
  const first = join(dir, 'app.log.2026-01-01_00-00-00.1');
  const ino = statSync(first).ino;
  for (let n = 4; n < 7; n++) h.write(...rec(n, 0));
  h.write(...rec(0, 1));
  await h.flush();
  t.is(statSync(first).ino, ino, 'the same file under the same name');
  for (let n = 1; n < 9; n++) h.write(...rec(n, 1));
  h.write(...rec(0, 2));
  await h.close();
  // 6 rotated files were made; the 3 newest are kept, oldest deleted first.
  t.deepEqual(Object.keys(folder(dir)), [
    'app.log',
    'app.log.2026-01-01_00-00-01.1',
    'app.log.2026-01-01_00-00-01.2',
    'app.log.2026-01-01_00-00-01.3',
  ]);
  // CPython 3.13's rule takes only the exact <base>.<date>; with maxBytes our parts count too.
  const names = ['app.log.2026-01-01_00-00-00.1', 'app.log.2026-01-01_00-00-00', 'app.log.x'];
  const s = Schedule.create({ when: 'S', utc: true });
  t.deepEqual(filesToDelete('/d/app.log', 0, s, null, names), ['/d/app.log.2026-01-01_00-00-00']);
  t.deepEqual(filesToDelete('/d/app.log', 1, s, null, names, { parts: true }), ['/d/app.log.2026-01-01_00-00-00']);
});

test('maxBytes is validated on the timed handler too', (t) => {
  const file = join(tempDir('cl-tsize-'), 'app.log');
  for (const maxBytes of [-1, 0.5, '1M', NaN]) {
    const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(file, { when: 'H', maxBytes }), {
      instanceOf: ConfigError,
    });
    t.is(err.option, 'maxBytes');
  }
});

test("2 processes x 3 worker threads (+ main), when S + maxBytes: every record once, whole, in its own second's file, no file over maxBytes unless alone", async (t) => {
  const options = { when: 'S', utc: true, maxBytes: 3000 };
  const n = 1500;
  const base = await processes(t, { n, options });
  const { files, bytes } = assertRotated(t, base, { maxBytes: options.maxBytes, expected: 2 * 4 * n, timed: true });
  t.true(
    files.some((f) => f.part > 1),
    'some second was split into parts',
  );
  t.log(`${files.length} files, ${bytes} bytes`);
});

test('processes with shared: false, when S + maxBytes and delay: the same guarantees', async (t) => {
  const options = { when: 'S', utc: true, maxBytes: 1500, shared: false, delay: true };
  const base = await processes(t, { threads: 2, n: 600, options });
  assertRotated(t, base, { maxBytes: options.maxBytes, expected: 2 * 3 * 600, timed: true });
  t.true(readdirSync(dirname(base)).length > 3);
});
