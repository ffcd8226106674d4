// maxAge and maxTotalSize on both handlers: applied at start and after each rotation, by the process
// that holds the lock, to this base file's rotated files (compressed or not, from earlier runs too);
// never to the base file, never to another base's files.
import test from 'ava';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import {
  ConcurrentRotatingFileHandler,
  ConcurrentTimedRotatingFileHandler,
  ConfigError,
  Schedule,
} from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';

const DAY = 86_400_000;

/** A UTC day suffix `days` days before today. */
function dayName(daysAgo) {
  return new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
}

function names(dir) {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();
}

/** Waits until `check()` holds (the flusher applies retention when it opens the file). */
async function until(check) {
  for (let waited = 0; !check() && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
}

test('timed, maxAge: rotated files of earlier runs older than maxAge go at start, dated by their names; the base and other logs stay', async (t) => {
  const dir = tempDir('cl-retain-');
  const old = [`app.log.${dayName(30)}`, `app.log.${dayName(15)}.gz`, `app.log.${dayName(20)}.1`];
  const kept = [`app.log.${dayName(3)}`, `app.log.${dayName(13)}.gz`, `app.log.${dayName(2)}.2`];
  const others = ['app.log', `other.log.${dayName(40)}`, 'notes.txt'];
  for (const n of [...old, ...kept, ...others])
    writeFileSync(join(dir, n), n.endsWith('.gz') ? gzipSync('x\n') : 'x\n');
  // mtimes say nothing: a copied folder has new mtimes, the name is what counts
  for (const n of readdirSync(dir)) utimesSync(join(dir, n), new Date(), new Date());
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'midnight',
    utc: true,
    maxAge: '14d',
  });
  await until(() => old.every((n) => !existsSync(join(dir, n)))); // one by one: the first gone is not all gone
  await h.close();
  t.deepEqual(names(dir), [...kept, ...others].sort());
});

test('size, maxAge: numbered files older than maxAge by mtime go at start, whatever their number; with delay at the first record', async (t) => {
  const dir = tempDir('cl-retain-');
  const now = Date.now() / 1000;
  for (const [n, ageDays] of [
    ['app.log.1', 1],
    ['app.log.2', 3],
    ['app.log.3.gz', 8],
    ['app.log.7', 30],
    ['app.log', 50],
    ['other.log.9', 50],
  ]) {
    writeFileSync(join(dir, n), 'x\n');
    utimesSync(join(dir, n), now - ageDays * 86400, now - ageDays * 86400);
  }
  const h = new ConcurrentRotatingFileHandler(join(dir, 'app.log'), {
    maxBytes: 1000,
    backupCount: 5,
    maxAge: 7 * DAY,
    delay: true,
  });
  await new Promise((r) => setTimeout(r, 200));
  t.true(existsSync(join(dir, 'app.log.7')), 'delay: nothing is touched before the first record');
  h.write('first\n');
  await h.close();
  t.deepEqual(names(dir), ['app.log', 'app.log.1', 'app.log.2', 'other.log.9']);
});

test('maxTotalSize: after each rotation, the oldest rotated files go while the rotated files total more', async (t) => {
  const dir = tempDir('cl-retain-');
  const base = join(dir, 'app.log');
  const h = new ConcurrentRotatingFileHandler(base, { maxBytes: 100, backupCount: 50, maxTotalSize: '250B' });
  // 10 records of 45 bytes: two per file
  for (let i = 0; i < 10; i++) h.write(`${String(i).padStart(2, '0')} ${'x'.repeat(41)}\n`);
  await h.close();
  // 4 rotated files of 90 bytes were made; 2 fit in 250 bytes: the newest ones
  t.deepEqual(names(dir), ['app.log', 'app.log.1', 'app.log.2']);
});

test("timed maxTotalSize deletes a period's parts oldest first", async (t) => {
  const dir = tempDir('cl-retain-');
  const T0 = Date.UTC(2026, 0, 1);
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'S',
    utc: true,
    maxBytes: 30,
    delay: true,
    shared: false,
    maxTotalSize: 50,
  });
  for (let n = 0; n < 9; n++) h.write(`rec ${n} s0\n`, T0 + n); // 9-byte records: parts of 27 bytes
  h.write('rec 0 s1\n', T0 + 1000);
  await h.close();
  t.deepEqual(names(dir), ['app.log', 'app.log.2026-01-01_00-00-00.3']);
});

test('retention options are validated, with units', (t) => {
  const file = join(tempDir('cl-retain-'), 'app.log');
  for (const [option, value] of [
    ['maxAge', '14 days'],
    ['maxAge', -1],
    ['maxAge', '3y'],
    ['maxTotalSize', '2X'],
    ['maxTotalSize', -5],
    ['maxTotalSize', {}],
  ]) {
    const err = t.throws(() => new ConcurrentRotatingFileHandler(file, { [option]: value }), {
      instanceOf: ConfigError,
    });
    t.is(err.option, option);
    t.deepEqual(err.value, value);
  }
  const ok = new ConcurrentTimedRotatingFileHandler(file, { maxAge: '12h', maxTotalSize: '2G', delay: true });
  t.is(ok.options.config.maxAge, 12 * 3_600_000);
  t.is(ok.options.config.maxTotalSize, 2 * 1024 ** 3);
  ok.closeSync();
});

test("a timed name's date is read back in the handler's zone (the age maxAge compares)", (t) => {
  const paris = Schedule.create({ when: 'H', timezone: 'Europe/Paris' });
  t.is(paris.suffixTime('2026-07-01_12'), Date.UTC(2026, 6, 1, 10) / 1000, 'summer: UTC+2');
  t.is(paris.suffixTime('2026-01-01_12'), Date.UTC(2026, 0, 1, 11) / 1000, 'winter: UTC+1');
  t.is(
    Schedule.create({ when: 'S', utc: true }).suffixTime('2026-03-29_02-30-15'),
    Date.UTC(2026, 2, 29, 2, 30, 15) / 1000,
  );
  t.is(paris.suffixTime('log'), null);
});

test('retention with delay and a folder not made yet: the first record makes it, no error', async (t) => {
  const dir = join(tempDir('cl-retain-'), 'not', 'yet');
  const errors = [];
  const h = new ConcurrentRotatingFileHandler(join(dir, 'app.log'), {
    maxBytes: 100,
    backupCount: 2,
    maxAge: '1d',
    maxTotalSize: '1M',
    delay: true,
    onError: (e) => errors.push(e),
  });
  h.write('first\n');
  await h.close();
  t.deepEqual(errors, []);
  t.deepEqual(names(dir), ['app.log']);
});
