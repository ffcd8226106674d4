// Every guarantee under default options (delay: false, no folder made beforehand, the default lock
// file) and under everyday operations: restarts with a new schedule, a deleted or renamed base file,
// a missing folder, log shippers globbing the log's folder.
import test from 'ava';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler, ConfigError } from 'concurrent-log';
import { tempDir, lockOf, FIXTURES } from './helpers/core.mjs';

const read = (p) => readFileSync(p, 'utf8');
/** What a shipper watching `app.log*` sees. */
const globbed = (dir) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('app.log'))
    .sort();

test('the lock and rotation state live in a dot-file beside the log, outside the app.log* glob', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('one\n');
  await h.close();
  t.deepEqual(globbed(dir), ['app.log']);
  t.true(existsSync(lockOf(file)));
  t.is(typeof JSON.parse(read(lockOf(file))).rolloverAt, 'number');
});

test('lockFile puts the lock and state where the user says, and nothing else beside the log', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const lockFile = join(tempDir(), 'state', 'app.lock');
  const h = new ConcurrentTimedRotatingFileHandler(file, { lockFile });
  h.write('one\n');
  await h.close();
  t.deepEqual(readdirSync(dir), ['app.log']);
  t.is(typeof JSON.parse(read(lockFile)).rolloverAt, 'number');
});

test('a lockFile that is empty, not a string or the log itself is refused, naming the option', (t) => {
  const file = join(tempDir(), 'app.log');
  for (const lockFile of ['', 42, file]) {
    const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(file, { lockFile }), { instanceOf: ConfigError });
    t.regex(err.message, /lockFile/);
  }
});

test("with default options the handler makes the log's missing folders, as the quick start does", async (t) => {
  const root = tempDir();
  const file = join(root, 'logs', 'a', 'b', 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  // delay: false: the constructor has made the folders and the empty file, as CPython's does.
  t.is(read(file), '');
  const errors = [];
  h.on('error', (e) => errors.push(e));
  t.true(h.write('one\n'));
  await h.close();
  t.is(read(file), 'one\n');
  t.deepEqual(errors, []);
});

test('mkdir: false: a missing folder is a LogFileError naming the log file: thrown by the constructor as CPython does, or with delay reported, and close() still resolves', async (t) => {
  const file = join(tempDir(), 'missing', 'app.log');
  const thrown = t.throws(() => new ConcurrentTimedRotatingFileHandler(file, { mkdir: false }));
  t.is(thrown.name, 'LogFileError');
  t.is(thrown.code, 'ENOENT');
  t.is(thrown.path, file);
  const errors = [];
  const h = new ConcurrentTimedRotatingFileHandler(file, { mkdir: false, delay: true, onError: (e) => errors.push(e) });
  h.write('one\n');
  await t.notThrowsAsync(h.close());
  t.false(existsSync(file));
  // The record that could not be written is counted as dropped when the handler closes.
  const dropped = errors.filter((e) => e.name === 'RecordsDroppedError');
  t.deepEqual(
    dropped.map((e) => [e.dropped, e.faultCode]),
    [[1, 'ENOENT']],
  );
  t.is(h.dropped, 1);
  const io = errors.filter((e) => e.name !== 'RecordsDroppedError');
  t.true(io.length > 0);
  for (const e of io) {
    t.is(e.name, 'LogFileError');
    t.is(e.path, file);
    t.regex(e.message, /mkdir: false/);
  }
});

test('a folder removed while the handler runs is made again and later records land in it', async (t) => {
  const root = tempDir();
  const file = join(root, 'logs', 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('before\n');
  await h.flush();
  rmSync(join(root, 'logs'), { recursive: true });
  h.write('after\n');
  await h.close();
  t.is(read(file), 'after\n');
});

/** Runs writer-proc.mjs; resolves with its exit, its JSON lines, and a way to release a held one. */
function writer(file, options, tag, count, everyMs, then = '') {
  const child = spawn(
    process.execPath,
    [join(FIXTURES, 'writer-proc.mjs'), file, JSON.stringify(options), tag, String(count), String(everyMs), then],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines = [];
  let err = '';
  let buf = '';
  let onWritten;
  const written = new Promise((r) => (onWritten = r));
  child.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (m.written) onWritten();
      else lines.push(m);
    }
  });
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise((r) => child.on('close', (code, signal) => r({ code, signal, stderr: err, errors: lines })));
  return { exit, written, release: () => child.stdin.end('go\n') };
}

const rotatedOf = (dir) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('app.log.'))
    .sort();
const linesIn = (p) => read(p).split('\n').filter(Boolean);

test('a restart that changes when from midnight to S rotates by the second at once', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const a = await writer(file, { when: 'midnight' }, 'a', 3, 0).exit;
  t.is(a.code, 0, a.stderr);
  await new Promise((r) => setTimeout(r, 1100));
  const b = await writer(file, { when: 'S' }, 'b', 12, 100).exit;
  t.is(b.code, 0, b.stderr);
  t.deepEqual(b.errors, []);
  const rotated = rotatedOf(dir);
  t.true(rotated.length >= 1, 'rotated within the run, not at the old midnight');
  for (const name of rotated) t.regex(name, /^app\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  t.false(
    linesIn(file).some((l) => l.startsWith('a ')),
    "the earlier run's records were rotated out",
  );
});

test("a restart that changes when from S to midnight keeps today's records in the base file", async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const a = await writer(file, { when: 'S' }, 'a', 3, 0).exit;
  t.is(a.code, 0, a.stderr);
  const b = await writer(file, { when: 'midnight' }, 'b', 12, 100).exit;
  t.is(b.code, 0, b.stderr);
  // Before: the state's per-second schedule rotated today's records into a file named for yesterday.
  // Now the midnight run keeps all of today's records in the base file (the per-second run may
  // have rotated its own records, by the second, if it spanned a second boundary).
  t.deepEqual(
    linesIn(file).filter((l) => l.startsWith('b ')),
    Array.from({ length: 12 }, (_, i) => `b ${i}`),
  );
  for (const name of rotatedOf(dir)) {
    t.regex(name, /^app\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
    t.true(
      linesIn(join(dir, name)).every((l) => l.startsWith('a ')),
      name,
    );
  }
});

test('a process joining live writers with another schedule is told so, and follows theirs: no misnamed file', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const first = writer(file, { when: 'S' }, 'a', 5, 100, 'hold');
  await first.written;
  const second = await writer(file, { when: 'midnight' }, 'b', 15, 100).exit;
  first.release();
  const a = await first.exit;
  t.is(a.code, 0, a.stderr);
  t.deepEqual(a.errors, []);
  t.is(second.code, 0, second.stderr);
  const conflicts = second.errors.filter((e) => e.code === 'ERR_CONCURRENT_LOG_SCHEDULE');
  t.is(conflicts.length, 1, 'reported once');
  t.true(conflicts[0].message.includes(file));
  t.regex(conflicts[0].running, /"when":"S"/);
  t.regex(conflicts[0].configured, /"when":"MIDNIGHT"/);
  // The second process rotated by the live writer's schedule: per-second names only.
  const rotated = rotatedOf(dir);
  t.true(rotated.length >= 1);
  for (const name of rotated) t.regex(name, /^app\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
});

test('the base file deleted while the handler writes: later records land in a new base file', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('before\n');
  await h.flush();
  unlinkSync(file);
  for (let i = 0; i < 100; i++) h.write(`after ${i}\n`);
  await h.close();
  t.is(linesIn(file).length, 100);
  t.is(linesIn(file)[0], 'after 0');
});

test('the base file renamed away by another tool: the renamed file keeps its records, new ones go to a new base', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('before\n');
  await h.flush();
  renameSync(file, join(dir, 'moved.log'));
  h.write('after\n');
  await h.close();
  t.is(read(join(dir, 'moved.log')), 'before\n');
  t.is(read(file), 'after\n');
});

test('a flusher fault heard by many threads is reported once in the process, with its count later', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  mkdirSync(file); // the base path is a folder: every write fails with EISDIR
  // Made first in the main thread, so the workers share its buffer (and its one flusher). With
  // delay, as without it the constructor throws (CPython's IsADirectoryError).
  const reports = [];
  const main = new ConcurrentTimedRotatingFileHandler(file, {
    delay: true,
    onError: (e) => reports.push({ code: e.code, occurrences: e.occurrences ?? 1 }),
  });
  const workers = Array.from(
    { length: 6 },
    () => new Worker(join(FIXTURES, 'fault-thread.mjs'), { workerData: { file, count: 10 } }),
  );
  for (const w of workers) w.on('message', (m) => reports.push(m));
  // Until the fault has been reported again with its count (the machine may be slow: up to 20 s).
  for (const deadline = Date.now() + 20_000; Date.now() < deadline && !reports.some((m) => m.occurrences > 1);) {
    await new Promise((r) => setTimeout(r, 50));
  }
  // What the flusher reported while 7 handlers in 7 threads listened (closing adds each one's own).
  const heard = [...reports];
  for (const w of workers) w.postMessage('close');
  await Promise.all(workers.map((w) => new Promise((r) => w.on('exit', r))));
  main.closeSync();
  const first = heard.filter((m) => m.code === 'EISDIR' && m.occurrences === 1);
  // The first drain is the first occurrence and the later ones go on counting, whichever flusher makes
  // them (a flusher replaced meanwhile does not start the series again): one first report.
  t.is(first.length, 1, JSON.stringify(heard));
  t.true(
    heard.some((m) => m.occurrences > 1),
    'a persisting fault is reported again with its count',
  );
  // Each count is reported once: 7 listeners each reporting would repeat every one of them 7 times.
  for (const n of new Set(heard.map((m) => m.occurrences))) {
    if (n > 1) t.is(heard.filter((m) => m.occurrences === n).length, 1, JSON.stringify(heard));
  }
});

test('closeOnSignals(): SIGTERM writes every pending record, then ends the process as SIGTERM does', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const r = await writer(file, {}, 's', 20000, 0, 'sigterm').exit;
  t.is(r.signal, 'SIGTERM', r.stderr);
  t.is(linesIn(file).length, 20000);
});

test("pino transports in 2 processes x 3 threads with default delay: each rotated file holds only its own second's records", async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const fixture = join(FIXTURES, '..', 'adapters', 'pino-threads.mjs');
  const runs = await Promise.all(
    [0, 1].map(
      (p) =>
        new Promise((res) => {
          const c = spawn(process.execPath, [fixture, file, String(p), '3', '5000'], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          c.stderr.on('data', (d) => (err += d));
          c.on('close', (code) => res({ code, err }));
        }),
    ),
  );
  for (const r of runs) t.is(r.code, 0, r.err);
  const pad = (n) => String(n).padStart(2, '0');
  const secondOf = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
  };
  const seen = new Set();
  let misplaced = 0;
  let total = 0;
  const rotated = rotatedOf(dir);
  t.true(rotated.length >= 1, 'the run spans several seconds');
  for (const name of [...rotated, 'app.log']) {
    for (const line of linesIn(join(dir, name))) {
      const r = JSON.parse(line);
      total++;
      seen.add(`${r.id}/${r.j}`);
      if (name !== 'app.log' && name !== `app.log.${secondOf(r.time)}`) misplaced++;
    }
  }
  t.is(misplaced, 0);
  t.is(total, 2 * 3 * 5000);
  t.is(seen.size, 2 * 3 * 5000);
});

test('a torn tail left by a process killed mid-write is closed off: the next record starts its own line', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('whole record\n');
  await h.flush();
  // What a writer killed inside write() leaves: part of a record, no newline.
  appendFileSync(file, 'part of a rec');
  h.write('next record\n');
  await h.close();
  t.deepEqual(linesIn(file), ['whole record', 'part of a rec', 'next record']);
});
