// The handler in one process: where records land, rotation, CPython's options, errors.
import test from 'ava';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler, ConfigError } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';

// 2025-06-15 12:00:00 UTC: a fixed instant, so file names are known in advance.
const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
const read = (p) => readFileSync(p, 'utf8');
const open = (dir, options = {}) =>
  new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), { when: 'S', utc: true, delay: true, ...options });
const rotated = (dir) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('app.log.'))
    .sort();

test('a record is on disk when flush() resolves', async (t) => {
  const dir = tempDir();
  const h = open(dir);
  h.write('hello\n', T0);
  await h.flush();
  t.is(read(join(dir, 'app.log')), 'hello\n');
  await h.close();
});

test('records land in the file of their own second, named like CPython', async (t) => {
  const dir = tempDir();
  const h = open(dir);
  h.write('a\n', T0 + 100);
  h.write('b\n', T0 + 900);
  h.write('c\n', T0 + 1100);
  h.write('d\n', T0 + 2500);
  await h.close();
  t.deepEqual(rotated(dir), ['app.log.2025-06-15_12-00-00', 'app.log.2025-06-15_12-00-01']);
  t.is(read(join(dir, 'app.log.2025-06-15_12-00-00')), 'a\nb\n');
  t.is(read(join(dir, 'app.log.2025-06-15_12-00-01')), 'c\n');
  t.is(read(join(dir, 'app.log')), 'd\n');
});

test("a late record goes to its own period's rotated file, not the current one", async (t) => {
  const dir = tempDir();
  const h = open(dir);
  h.write('first\n', T0 + 100);
  h.write('next\n', T0 + 1200);
  h.write('late\n', T0 + 500); // its second was already rotated away
  await h.close();
  t.is(read(join(dir, 'app.log.2025-06-15_12-00-00')), 'first\nlate\n');
  t.is(read(join(dir, 'app.log')), 'next\n');
});

test('a record older than every known period goes to a file named for its own time', async (t) => {
  const dir = tempDir();
  const h = open(dir);
  h.write('now\n', T0 + 10_000);
  h.write('ancient\n', T0 - 3_600_000);
  await h.close();
  t.is(read(join(dir, 'app.log.2025-06-15_11-00-00')), 'ancient\n');
  t.is(read(join(dir, 'app.log')), 'now\n');
});

test('an existing file with the rotated name keeps its records (CPython would delete it)', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.log.2025-06-15_12-00-00'), 'kept\n');
  const h = open(dir);
  h.write('a\n', T0 + 100);
  h.write('b\n', T0 + 1100);
  await h.close();
  t.is(read(join(dir, 'app.log.2025-06-15_12-00-00')), 'kept\na\n');
});

test('backupCount keeps only the newest rotated files', async (t) => {
  const dir = tempDir();
  const h = open(dir, { backupCount: 2 });
  for (let s = 0; s < 5; s++) h.write(`s${s}\n`, T0 + s * 1000 + 1);
  await h.close();
  t.deepEqual(rotated(dir), ['app.log.2025-06-15_12-00-02', 'app.log.2025-06-15_12-00-03']);
  t.is(read(join(dir, 'app.log')), 's4\n');
});

test('delay: false creates the base file at construction; delay: true waits for a record', async (t) => {
  const eager = tempDir();
  const lazy = tempDir();
  const a = open(eager, { delay: false, shared: false });
  const b = open(lazy, { delay: true, shared: false });
  t.true(existsSync(join(eager, 'app.log')));
  t.false(existsSync(join(lazy, 'app.log')));
  await a.close();
  await b.close();
});

test('a namer renames rotated files, and backupCount still finds them', async (t) => {
  const dir = tempDir();
  const h = open(dir, { backupCount: 1, namer: (name) => name + '.old' });
  for (let s = 0; s < 3; s++) h.write(`s${s}\n`, T0 + s * 1000 + 1);
  await h.close();
  t.deepEqual(rotated(dir), ['app.log.2025-06-15_12-00-01.old']);
});

test('a namer that depends on variables from its scope is refused', (t) => {
  const suffix = '.x';
  const err = t.throws(() => open(tempDir(), { namer: (name) => name + suffix }), { instanceOf: ConfigError });
  t.is(err.option, 'namer');
});

test('encoding applies to string records', async (t) => {
  const dir = tempDir();
  const h = open(dir, { encoding: 'latin-1' });
  h.write('café\n', T0);
  await h.close();
  t.deepEqual([...readFileSync(join(dir, 'app.log'))], [0x63, 0x61, 0x66, 0xe9, 0x0a]);
});

test('bytes records are written as given', async (t) => {
  const dir = tempDir();
  const h = open(dir);
  h.write(Buffer.from('报错 bytes\n'), T0);
  h.write(new Uint8Array([0x41, 0x0a]), T0);
  await h.close();
  t.is(read(join(dir, 'app.log')), '报错 bytes\nA\n');
});

test('a record larger than the whole ring arrives intact and in order', async (t) => {
  const dir = tempDir();
  const h = open(dir, { ringSize: 64 * 1024 });
  const big = 'x'.repeat(200 * 1024) + '\n';
  h.write('before\n', T0);
  h.write(big, T0);
  h.write('after\n', T0);
  await h.close();
  t.is(read(join(dir, 'app.log')), 'before\n' + big + 'after\n');
});

test('many records through a small ring: writers wait for room and nothing is dropped', async (t) => {
  const dir = tempDir();
  const h = open(dir, { ringSize: 64 * 1024 });
  const n = 20_000;
  for (let i = 0; i < n; i++) h.write(`record ${i} ${'y'.repeat(50)}\n`, T0 + 10);
  await h.close();
  const got = read(join(dir, 'app.log')).split('\n').filter(Boolean);
  t.is(got.length, n);
  t.is(got[n - 1], `record ${n - 1} ${'y'.repeat(50)}`);
  t.is(h.dropped, 0);
});

test('write() never throws: a bad record is reported through the error event', async (t) => {
  const h = open(tempDir());
  const errors = [];
  h.on('error', (e) => errors.push(e));
  t.false(h.write(42));
  t.is(errors.length, 1);
  t.regex(errors[0].message, /string or bytes/);
  await h.close();
});

test('write() after close() is refused and reported, not thrown', async (t) => {
  const h = open(tempDir());
  const errors = [];
  h.on('error', (e) => errors.push(e));
  await h.close();
  t.false(h.write('x\n'));
  t.is(errors[0].code, 'ERR_CONCURRENT_LOG_CLOSED');
});

test('mkdir: false: a missing folder is reported with its path, and records are written once it exists', async (t) => {
  const dir = join(tempDir(), 'not-yet');
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'S',
    utc: true,
    delay: true,
    mkdir: false,
  });
  const errors = [];
  h.on('error', (e) => errors.push(e));
  h.write('waiting\n', T0);
  await t.throwsAsync(h.flush(), { message: /not-yet/ });
  t.true(errors.length === 0 || errors.every((e) => /not-yet/.test(e.message)));
  mkdirSync(dir);
  await h.close();
  t.is(read(join(dir, 'app.log')), 'waiting\n');
});

test('shared: false writes through the file lock alone', async (t) => {
  const dir = tempDir();
  const h = open(dir, { shared: false });
  h.write('a\n', T0 + 100);
  t.is(read(join(dir, 'app.log')), 'a\n'); // on disk before write() returned
  h.write('b\n', T0 + 1100);
  t.is(read(join(dir, 'app.log.2025-06-15_12-00-00')), 'a\n');
  await h.close();
});

test('two handlers for one file in one thread share one buffer', async (t) => {
  const dir = tempDir();
  const a = open(dir);
  const b = open(dir);
  a.write('from a\n', T0);
  b.write('from b\n', T0);
  await a.close();
  await b.close();
  t.is(read(join(dir, 'app.log')), 'from a\nfrom b\n');
});

for (const [option, value, pattern] of [
  ['when', 'X', /Invalid rollover interval specified: X/],
  ['interval', 0, /interval/],
  ['interval', Number.NaN, /interval/],
  ['backupCount', -1, /backupCount.*-1/],
  ['backupCount', 1.5, /backupCount.*1\.5/],
  ['encoding', 'klingon', /encoding.*klingon/],
  ['atTime', '25:00', /atTime/],
  ['timezone', 'Mars/Olympus', /timezone.*Mars\/Olympus/],
  ['ringSize', 1000, /ringSize.*1000/],
  ['mode', 'rw', /mode.*rw/],
]) {
  test(`option ${option} = ${String(value)} is refused with an error naming it`, (t) => {
    const err = t.throws(() => open(tempDir(), { [option]: value }), { instanceOf: ConfigError });
    t.is(err.option, option);
    t.regex(err.message, pattern);
  });
}

test('a non-string filename is refused with an error naming it', (t) => {
  const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(42), { instanceOf: ConfigError });
  t.is(err.option, 'filename');
});

test('compress: gzip turns each rotated file into a complete .gz and keeps the base plain', async (t) => {
  const { gunzipSync } = await import('node:zlib');
  const dir = tempDir();
  const h = open(dir, { compress: 'gzip' });
  h.write('a\n', T0 + 100);
  h.write('b\n', T0 + 1100);
  h.write('c\n', T0 + 2100);
  await h.close();
  t.deepEqual(rotated(dir), ['app.log.2025-06-15_12-00-00.gz', 'app.log.2025-06-15_12-00-01.gz']);
  t.is(gunzipSync(readFileSync(join(dir, 'app.log.2025-06-15_12-00-00.gz'))).toString(), 'a\n');
  t.is(gunzipSync(readFileSync(join(dir, 'app.log.2025-06-15_12-00-01.gz'))).toString(), 'b\n');
  t.is(read(join(dir, 'app.log')), 'c\n');
});

test('compress: a late record for a compressed period is added to its .gz', async (t) => {
  const { gunzipSync } = await import('node:zlib');
  const dir = tempDir();
  const h = open(dir, { compress: 'gzip' });
  h.write('a\n', T0 + 100);
  h.write('b\n', T0 + 1100);
  await h.flush(); // rotated and compressed
  h.write('late\n', T0 + 200);
  await h.close();
  t.is(gunzipSync(readFileSync(join(dir, 'app.log.2025-06-15_12-00-00.gz'))).toString(), 'a\nlate\n');
});

test('compress: backupCount counts and deletes .gz files as CPython does with a namer', async (t) => {
  const dir = tempDir();
  const h = open(dir, { compress: 'gzip', backupCount: 1 });
  for (let s = 0; s < 4; s++) h.write(`s${s}\n`, T0 + s * 1000 + 1);
  await h.close();
  t.deepEqual(rotated(dir), ['app.log.2025-06-15_12-00-02.gz']);
});

test('compress: a rotated file left uncompressed by a crash is compressed by the next writer', async (t) => {
  const { gunzipSync } = await import('node:zlib');
  const dir = tempDir();
  const plain = join(dir, 'app.log.2025-06-15_11-59-59');
  // What a process killed mid-compression leaves: the plain file, a half-written .tmp, and the
  // state still listing the file as waiting.
  writeFileSync(plain, 'survived\n');
  writeFileSync(plain + '.gz.tmp', Buffer.from([0x1f, 0x8b, 0x08]));
  const state = {
    v: 1,
    rolloverAt: Math.trunc(T0 / 1000) + 1,
    start: Math.trunc(T0 / 1000),
    gen: 1,
    history: [],
    compress: [plain],
  };
  writeFileSync(join(dir, '.app.log.lock'), JSON.stringify(state));
  const h = open(dir, { compress: 'gzip' });
  h.write('next\n', T0 + 100);
  await h.close();
  t.false(existsSync(plain));
  t.false(existsSync(plain + '.gz.tmp'));
  t.is(gunzipSync(readFileSync(plain + '.gz')).toString(), 'survived\n');
});
