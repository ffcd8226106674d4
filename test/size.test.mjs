// ConcurrentRotatingFileHandler: CPython 3.13's RotatingFileHandler semantics (the 1,500 CPython
// vectors are in conformance.test.mjs), made once for everybody under the lock from the file's real
// size, with real processes, worker threads and files.
import test from 'ava';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import {
  ConcurrentRotatingFileHandler,
  ConcurrentTimedRotatingFileHandler,
  ConfigError,
  LogFileHandler,
  handlers,
  dictConfig,
  getLogger,
  shutdown,
} from 'concurrent-log';
import { tempDir, runChild, lockOf } from './helpers/core.mjs';
import { parseRecord } from '../bench/chaos/records.mjs';
import { assertRotated, processes } from './helpers/size-log.mjs';

/** Writes `records` through a handler made with `options`, closes it and returns the folder: {name: text}. */
async function run(base, options, records) {
  const h = new ConcurrentRotatingFileHandler(base, options);
  for (const r of records) h.write(r);
  await h.close();
  return folder(dirname(base));
}

function folder(dir) {
  const out = {};
  for (const name of readdirSync(dir).sort())
    if (!name.startsWith('.')) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}

test('rotates before the record that would bring the file to maxBytes: base.1 newest, base.N oldest, the oldest beyond backupCount deleted', async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  // 10-byte records, maxBytes 30: two fit (20 + 10 = 30 would reach maxBytes).
  const records = Array.from({ length: 9 }, (_, i) => `record-${i}\n`.padStart(10, '0'));
  const files = await run(base, { maxBytes: 30, backupCount: 3 }, records);
  t.deepEqual(files, {
    'app.log': records[8],
    'app.log.1': records[6] + records[7],
    'app.log.2': records[4] + records[5],
    'app.log.3': records[2] + records[3],
  });
});

test('an empty file is never rotated (gh-116263): a record of maxBytes or more goes alone into a file', async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  const big = 'x'.repeat(99) + '\n';
  const files = await run(base, { maxBytes: 50, backupCount: 5, delay: true }, [big, 'a\n', big, big]);
  t.deepEqual(files, { 'app.log': big, 'app.log.1': big, 'app.log.2': 'a\n', 'app.log.3': big });
});

test('maxBytes 0 or backupCount 0 never rotates (CPython: doRollover without backups reopens the same file)', async (t) => {
  const records = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
  for (const options of [{ maxBytes: 0, backupCount: 3 }, { maxBytes: 10, backupCount: 0 }, {}]) {
    const base = join(tempDir('cl-size-'), 'app.log');
    t.deepEqual(await run(base, options, records), { 'app.log': records.join('') }, JSON.stringify(options));
  }
});

test('sizes are the bytes of the encoded record (CPython counts characters: the documented deviation)', async (t) => {
  // 'é' is 2 bytes in UTF-8 and 1 in Latin-1: 'éééé\n' is 9 or 5 bytes (and 5 characters).
  const records = Array.from({ length: 4 }, () => 'éééé\n');
  const utf8 = await run(join(tempDir('cl-size-'), 'u.log'), { maxBytes: 15, backupCount: 9 }, records);
  t.deepEqual(Object.keys(utf8), ['u.log', 'u.log.1', 'u.log.2', 'u.log.3'], '9 + 9 >= 15: one record per file');
  const base0 = join(tempDir('cl-size-'), 'l.log');
  const latin1 = await run(base0, { maxBytes: 15, backupCount: 9, encoding: 'latin-1' }, records);
  t.deepEqual(Object.keys(latin1), ['l.log', 'l.log.1'], '5 + 5 < 15, 10 + 5 >= 15');
  for (const name of ['l.log', 'l.log.1'])
    t.deepEqual(readFileSync(join(dirname(base0), name)), Buffer.from('éééé\n'.repeat(2), 'latin1'));
});

test('the decision is made from the file on disk: bytes another writer appended count, with no estimate of our own', async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  const h2 = new ConcurrentRotatingFileHandler(base, { maxBytes: 100, backupCount: 2 });
  h2.write('first 10.\n');
  await h2.flush();
  appendFileSync(base, 'y'.repeat(84) + '\n'); // 95 bytes now, none of them written by h2
  h2.write('fourth 5\n'); // 95 + 9 = 104 >= 100: rotate first
  await h2.close();
  t.deepEqual(folder(dirname(base)), { 'app.log': 'fourth 5\n', 'app.log.1': 'first 10.\n' + 'y'.repeat(84) + '\n' });
});

test('default options: the folder is made and the file created at once (delay false), the lock is a dot-file beside it', async (t) => {
  const dir = tempDir('cl-size-');
  const base = join(dir, 'not', 'made', 'app.log');
  const h = new ConcurrentRotatingFileHandler(base, { maxBytes: 1024, backupCount: 2 });
  // Made by the constructor, as CPython's is; nothing has been written.
  t.true(existsSync(base));
  t.is(statSync(base).size, 0);
  t.true(existsSync(lockOf(base)));
  await h.close();
  t.true(h instanceof LogFileHandler);
  t.is(h.filename, base);
});

test("a handler made again in the same process rotates by its own maxBytes (a new limit, then 0), not the closed one's", async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  const record = (limit, i) => `${String(limit).padStart(6, '0')} ${String(i).padStart(2, '0')}\n`; // 10 bytes
  const sizes = {};
  for (const maxBytes of [30, 100, 0]) {
    const h = new ConcurrentRotatingFileHandler(base, { maxBytes, backupCount: 20 });
    for (let i = 0; i < 20; i++) h.write(record(maxBytes, i));
    await h.close();
    sizes[maxBytes] = Object.fromEntries(
      Object.entries(folder(dirname(base))).map(([name, text]) => [name, text.length]),
    );
  }
  // maxBytes 30: 200 bytes in files of 20 bytes (the third record would reach 30).
  t.is(Object.keys(sizes[30]).length, 10);
  t.true(
    Object.values(sizes[30]).every((n) => n === 20),
    JSON.stringify(sizes[30]),
  );
  // maxBytes 100: the next 200 bytes in files of up to 90 bytes, so fewer files, each larger than 30.
  t.true(
    Object.values(sizes[100]).some((n) => n > 30),
    JSON.stringify(sizes[100]),
  );
  t.true(
    Object.values(sizes[100]).every((n) => n < 100),
    JSON.stringify(sizes[100]),
  );
  // maxBytes 0: no rotation at all, every record of this handler in the base file.
  t.deepEqual(Object.keys(sizes[0]), Object.keys(sizes[100]));
  t.is(sizes[0]['app.log'], sizes[100]['app.log'] + 200);
});

test("a timed handler made again in the same process follows its own when, not the closed one's", async (t) => {
  const dir = tempDir('cl-size-');
  const base = join(dir, 'app.log');
  const first = new ConcurrentTimedRotatingFileHandler(base, { when: 'D' });
  first.write('day\n');
  await first.close();
  const second = new ConcurrentTimedRotatingFileHandler(base, { when: 'S' });
  second.write('a\n');
  await new Promise((r) => setTimeout(r, 1100));
  second.write('b\n');
  await second.close();
  const files = folder(dir);
  // By the second: a record a second later rotated the file, which the daily schedule never would.
  t.is(files['app.log'], 'b\n', JSON.stringify(files));
  // (The first two may fall in two seconds, so in one or two rotated files.)
  t.deepEqual(
    Object.entries(files)
      .filter(([name]) => name !== 'app.log')
      .flatMap(([, text]) => text.split('\n').filter(Boolean)),
    ['day', 'a'],
    JSON.stringify(files),
  );
});

test('options are validated: a ConfigError naming the option and its value', (t) => {
  const file = join(tempDir('cl-size-'), 'app.log');
  for (const [options, option] of [
    [{ maxBytes: -1 }, 'maxBytes'],
    [{ maxBytes: 1.5 }, 'maxBytes'],
    [{ maxBytes: '10M' }, 'maxBytes'],
    [{ maxBytes: Infinity }, 'maxBytes'],
    [{ backupCount: -2 }, 'backupCount'],
    [{ encoding: 'klingon' }, 'encoding'],
    [{ delay: 'yes' }, 'delay'],
    [{ compress: 'zip' }, 'compress'],
    [{ ringSize: 1000 }, 'ringSize'],
    [{ namer: 'x' }, 'namer'],
    // A schedule is not an option of the size handler: refused, not silently ignored.
    [{ when: 'midnight' }, 'when'],
    [{ maxSize: 10 }, 'maxSize'],
  ]) {
    const err = t.throws(
      () => new ConcurrentRotatingFileHandler(file, options),
      { instanceOf: ConfigError },
      JSON.stringify(options),
    );
    t.is(err.option, option);
    t.deepEqual(err.value, Object.values(options)[0]);
    t.true(err.message.includes(option), err.message);
  }
  t.regex(
    t.throws(() => new ConcurrentRotatingFileHandler(file, { when: 'H' })).message,
    /ConcurrentTimedRotatingFileHandler/,
  );
});

test("exported under Python's names: handlers.RotatingFileHandler and dictConfig's logging.handlers.RotatingFileHandler / concurrent_log.ConcurrentRotatingFileHandler", async (t) => {
  t.is(handlers.RotatingFileHandler, ConcurrentRotatingFileHandler);
  t.is(handlers.ConcurrentRotatingFileHandler, ConcurrentRotatingFileHandler);
  t.not(handlers.TimedRotatingFileHandler, ConcurrentRotatingFileHandler);
  const dir = tempDir('cl-size-');
  dictConfig({
    version: 1,
    formatters: { plain: { format: '%(name)s %(message)s' } },
    handlers: {
      python: {
        class: 'logging.handlers.RotatingFileHandler',
        filename: join(dir, 'py.log'),
        maxBytes: 40,
        backupCount: 2,
        mode: 'a',
        encoding: 'utf-8',
        delay: false,
        formatter: 'plain',
      },
      ours: {
        class: 'concurrent_log.ConcurrentRotatingFileHandler',
        filename: join(dir, 'ours.log'),
        maxBytes: 40,
        backupCount: 1,
        formatter: 'plain',
      },
    },
    loggers: { app: { handlers: ['python', 'ours'], level: 'INFO' } },
  });
  const log = getLogger('app');
  for (let i = 0; i < 6; i++) log.info('message %d', i); // "app message N\n": 14 bytes, two per file
  await shutdown();
  const files = folder(dir);
  t.deepEqual(Object.keys(files), ['ours.log', 'ours.log.1', 'py.log', 'py.log.1', 'py.log.2']);
  t.is(files['py.log.2'], 'app message 0\napp message 1\n');
  t.is(files['ours.log'], 'app message 4\napp message 5\n');
  t.throws(
    () =>
      dictConfig({
        version: 1,
        handlers: { h: { class: 'logging.handlers.RotatingFileHandler', filename: join(dir, 'x.log'), when: 'H' } },
      }),
    { message: /when/ },
  );
});

test("compress: 'gzip': rotated files become base.N.gz and are shifted along, compressed or not yet", async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  const records = Array.from({ length: 40 }, (_, i) => `record ${String(i).padStart(2, '0')}\n`); // 10 bytes
  const h = new ConcurrentRotatingFileHandler(base, { maxBytes: 30, backupCount: 4, compress: 'gzip' });
  for (const [i, r] of records.entries()) {
    h.write(r);
    if (i % 3 === 0) await h.flush(); // rotations land between and during compressions
  }
  await h.close();
  const names = readdirSync(dirname(base))
    .filter((n) => !n.startsWith('.'))
    .sort();
  t.deepEqual(names, ['app.log', 'app.log.1.gz', 'app.log.2.gz', 'app.log.3.gz', 'app.log.4.gz']);
  const text = (n) =>
    (n.endsWith('.gz')
      ? gunzipSync(readFileSync(join(dirname(base), n)))
      : readFileSync(join(dirname(base), n))
    ).toString();
  // Oldest first: the last 5 files' records, in order, each file whole.
  const kept = ['app.log.4.gz', 'app.log.3.gz', 'app.log.2.gz', 'app.log.1.gz', 'app.log'].map(text);
  t.is(kept.join(''), records.slice(-kept.join('').length / 10).join(''));
  for (const f of kept.slice(0, -1)) t.is(f.length, 20);
});

// ------------------------------------------------------------------ processes x threads --

test('2 processes x 3 worker threads (+ main), default options: every record once, none torn, each rotation once and only when due', async (t) => {
  const options = { maxBytes: 4096, backupCount: 500 };
  const n = 1500;
  const base = await processes(t, { n, options });
  const { files, bytes } = assertRotated(t, base, { maxBytes: options.maxBytes, expected: 2 * 4 * n });
  t.true(files.length > bytes / options.maxBytes, `${files.length} files for ${bytes} bytes`);
  t.true(files.length < (2 * bytes) / options.maxBytes + 1, 'no more files than the size allows');
  t.is(processes.rotations, files.length - 1, "one 'rotate' event per rotated file, summed over both processes");
  t.log(`${files.length} files, ${bytes} bytes`);
});

test('processes with no shared buffer (shared: false, each write takes the lock) and delay: rotations still once', async (t) => {
  const options = { maxBytes: 2000, backupCount: 500, shared: false, delay: true };
  const base = await processes(t, { threads: 2, n: 600, options });
  assertRotated(t, base, { maxBytes: options.maxBytes, expected: 2 * 3 * 600 });
});

test('processes x threads with compress: every rotated file gzipped, shifted, none lost', async (t) => {
  const options = { maxBytes: 8192, backupCount: 500, compress: 'gzip' };
  const base = await processes(t, { threads: 2, n: 1000, options });
  const { files } = assertRotated(t, base, { maxBytes: options.maxBytes, expected: 2 * 3 * 1000, ignore: /\.tmp$/ });
  t.true(files.length > 5);
  const left = readdirSync(dirname(base));
  t.deepEqual(
    left.filter((f) => /\.\d+$/.test(f)),
    [],
    'nothing left uncompressed',
  );
  // A flusher thread killed by process.exit mid-compression may leave its .tmp, never renamed into
  // place since its plain file is gone; the next compression removes it.
  for (const tmp of left.filter((f) => f.endsWith('.tmp')))
    t.false(existsSync(join(dirname(base), tmp.replace(/\.gz\..*$/, ''))), tmp);
});

test('a small backupCount across processes keeps exactly backupCount files besides the base, each within maxBytes', async (t) => {
  const options = { maxBytes: 1024, backupCount: 3 };
  const base = await processes(t, { threads: 2, n: 500, options });
  const names = readdirSync(dirname(base))
    .filter((f) => !f.startsWith('.'))
    .sort();
  t.deepEqual(names, ['app.log', 'app.log.1', 'app.log.2', 'app.log.3']);
  for (const name of names) {
    const text = readFileSync(join(dirname(base), name), 'utf8');
    t.true(Buffer.byteLength(text) < options.maxBytes);
    for (const line of text.split('\n').slice(0, -1)) t.truthy(parseRecord(line), line);
  }
});

test('a size writer joining a live timed writer follows its schedule and reports the conflict', async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  const timed = new ConcurrentTimedRotatingFileHandler(base, { when: 'D' });
  timed.write('timed\n');
  await timed.flush();
  const r = await runChild('size-proc.mjs', [
    base,
    JSON.stringify({ maxBytes: 200, backupCount: 3 }),
    'p0',
    '1',
    '100',
    '10',
  ]);
  await timed.close();
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /ScheduleConflictError: .*"when":"D"/);
  t.deepEqual(
    readdirSync(dirname(base)).filter((f) => !f.startsWith('.')),
    ['app.log'],
    'no rotation by size while the timed writer lives',
  );
  t.is(readFileSync(base, 'utf8').split('\n').length - 1, 1 + 2 * 100);
});

test('a timed writer joining a live size writer follows the size rotation and reports the conflict', async (t) => {
  const base = join(tempDir('cl-size-'), 'app.log');
  const sized = new ConcurrentRotatingFileHandler(base, { maxBytes: 100, backupCount: 9 });
  sized.write('sized\n');
  await sized.flush();
  // 30 records over 1.5 s: by its own schedule (when 'S') it would rotate every second.
  const r = await runChild('writer-proc.mjs', [base, JSON.stringify({ when: 'S' }), 'other', '30', '50']);
  await sized.close();
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /"name":"ScheduleConflictError".*maxBytes/);
  const names = readdirSync(dirname(base))
    .filter((f) => !f.startsWith('.'))
    .sort();
  // 266 bytes: 'sized' + other 0-10 (95), other 11-21 (99), other 22-29 (72).
  t.deepEqual(names, ['app.log', 'app.log.1', 'app.log.2'], 'rotated by size, not by second');
  const all = ['app.log.2', 'app.log.1', 'app.log'].map((n) => readFileSync(join(dirname(base), n), 'utf8')).join('');
  t.is(all, 'sized\n' + Array.from({ length: 30 }, (_, i) => `other ${i}\n`).join(''));
});
