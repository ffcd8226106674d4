// CPython 3.13's TimedRotatingFileHandler and RotatingFileHandler, where 3.13 differs from 3.11 or
// where our handlers must offer its API: real handlers, real files, real flusher threads.
import test from 'ava';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConcurrentRotatingFileHandler,
  ConcurrentTimedRotatingFileHandler,
  ConfigError,
  Schedule,
  dictConfig,
  getHandlerByName,
  getHandlerNames,
  makeLogRecord,
  shutdown,
} from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';

// 2025-06-15 12:00:00 UTC: a fixed instant, so file names are known in advance.
const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
const read = (p) => readFileSync(p, 'utf8');
const names = (dir) =>
  readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();

test('a namer using require works in an ES module, as docs/handler.md promises', async (t) => {
  const dir = tempDir();
  // This file is an ES module: `require` exists only in the scope the flusher thread revives the namer in.
  const namer = (name) =>
    require('node:path').join(require('node:path').dirname(name), `old-${require('node:path').basename(name)}`);
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), { when: 'S', utc: true, delay: true, namer });
  h.write('a\n', T0 + 100);
  h.write('b\n', T0 + 1100);
  await h.close();
  t.deepEqual(names(dir), ['app.log', 'old-app.log.2025-06-15_12-00-00']);
  t.is(read(join(dir, 'old-app.log.2025-06-15_12-00-00')), 'a\n');
});

// CPython's test_rollover_at_midnight: handlers with atTime = the current time of day append to
// the base file (3.13 puts that rotation time tomorrow); once the file's mtime is set back a
// second, the next handler rotates it on its first record to yesterday's name.
for (const shared of [true, false]) {
  test(`timed rollover after the base file's mtime was set back rotates to the earlier period's name (shared: ${shared})`, async (t) => {
    const dir = tempDir();
    const base = join(dir, 'app.log');
    const now = T0 + 500;
    const open = () =>
      new ConcurrentTimedRotatingFileHandler(base, {
        when: 'MIDNIGHT',
        atTime: '12:00:00',
        utc: true,
        shared,
        clock: () => now,
      });
    for (let i = 0; i < 3; i++) {
      const h = open();
      h.write(`testing1 ${i}\n`);
      await h.close();
    }
    t.deepEqual(names(dir), ['app.log']);
    utimesSync(base, T0 / 1000 - 1, T0 / 1000 - 1);
    for (let i = 0; i < 2; i++) {
      const h = open();
      h.write(`testing2 ${i}\n`);
      await h.close();
    }
    t.deepEqual(names(dir), ['app.log', 'app.log.2025-06-14']);
    t.is(read(join(dir, 'app.log.2025-06-14')), 'testing1 0\ntesting1 1\ntesting1 2\n');
    t.is(read(base), 'testing2 0\ntesting2 1\n');
  });
}

test('MIDNIGHT with interval 3 first rolls over three midnights on, as CPython 3.13 computes it', async (t) => {
  const schedule = Schedule.create({ when: 'MIDNIGHT', interval: 3, utc: true });
  t.is(schedule.computeRollover(0), 259200);
  // Thursday 1970-01-01: the midnight ending Thursday, then a second week (CPython 3.13.0 gives these).
  t.is(Schedule.create({ when: 'W3', interval: 2, utc: true }).computeRollover(0), 691200);
  const dir = tempDir();
  const day = 86_400_000;
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'MIDNIGHT',
    interval: 3,
    utc: true,
    delay: true,
  });
  h.write('sun\n', T0);
  h.write('tue\n', T0 + 2 * day - 1000);
  h.write('wed\n', T0 + 2.5 * day);
  await h.close();
  t.deepEqual(names(dir), ['app.log', 'app.log.2025-06-15']);
  t.is(read(join(dir, 'app.log.2025-06-15')), 'sun\ntue\n');
  t.is(read(join(dir, 'app.log')), 'wed\n');
});

test('backupCount leaves the rotated files of another log whose name extends ours alone (GH-93205)', async (t) => {
  const dir = tempDir();
  const other = ['app.log.b', 'app.log.b.2025-06-01', 'app.log.b.2025-06-02'];
  for (const name of other) writeFileSync(join(dir, name), `${name}\n`);
  writeFileSync(join(dir, 'app.log.2025-06-10'), 'ours\n');
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'MIDNIGHT',
    utc: true,
    delay: true,
    backupCount: 1,
  });
  h.write('a\n', T0);
  h.write('b\n', T0 + 86_400_000);
  await h.close();
  t.deepEqual(names(dir), ['app.log', 'app.log.2025-06-15', ...other]);
});

test('with a namer, backupCount deletes only the names the namer gives for a date (CPython 3.13)', async (t) => {
  const dir = tempDir();
  // Another handler's files, which the 3.11 rules took for ours: a namer's name must come back from the namer.
  const foreign = ['app.log.b.2025-06-01.gz', 'app.2025-06-02.log.gz', 'app.log.2025-06-03'];
  for (const name of foreign) writeFileSync(join(dir, name), `${name}\n`);
  writeFileSync(join(dir, 'app.log.2025-06-10.gz'), 'ours\n');
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'MIDNIGHT',
    utc: true,
    delay: true,
    backupCount: 1,
    namer: (n) => `${n}.gz`,
  });
  h.write('a\n', T0);
  h.write('b\n', T0 + 86_400_000);
  await h.close();
  t.deepEqual(names(dir), [
    'app.2025-06-02.log.gz',
    'app.log',
    'app.log.2025-06-03',
    'app.log.2025-06-15.gz',
    'app.log.b.2025-06-01.gz',
  ]);
});

// ------------------------------------------------------------------ CPython's handler API --

test('shouldRollover(record) of the timed handler: a record past the shared rolloverAt would rotate first', async (t) => {
  const dir = tempDir();
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), { when: 'S', utc: true, delay: true });
  h.write('a\n', T0 + 100);
  await h.flush();
  t.false(h.shouldRollover(makeLogRecord({ msg: 'same second', created: T0 / 1000 + 0.9 })));
  t.true(h.shouldRollover(makeLogRecord({ msg: 'next second', created: T0 / 1000 + 1.2 })));
  await h.close();
  t.deepEqual(names(dir), ['app.log'], 'asking rotates nothing');
});

test('shouldRollover(record) of the size handler: the formatted record would bring the file to maxBytes', async (t) => {
  const dir = tempDir();
  const h = new ConcurrentRotatingFileHandler(join(dir, 'app.log'), { maxBytes: 10, backupCount: 1 });
  h.write('hello\n');
  await h.flush();
  t.false(h.shouldRollover(makeLogRecord({ msg: 'ab' })), '6 + 3 bytes');
  t.true(h.shouldRollover(makeLogRecord({ msg: 'abc' })), '6 + 4 bytes reach maxBytes');
  t.true(h.shouldRollover(makeLogRecord({ msg: 'é€' })), 'bytes, not characters: 6 + 6');
  await h.close();
});

test("computeRollover(currentTime) and getFilesToDelete() of the timed handler, as CPython 3.13's", async (t) => {
  const dir = tempDir();
  for (const name of [
    'app.log.2025-06-01',
    'app.log.2025-06-02',
    'app.log.2025-06-03',
    'app.log.b.2025-05-01',
    'app.log.2025-06-04.gz',
  ])
    writeFileSync(join(dir, name), 'x\n');
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'MIDNIGHT',
    interval: 3,
    utc: true,
    backupCount: 2,
    delay: true,
  });
  t.is(h.computeRollover(0), 259200);
  t.is(h.computeRollover(86_399), 259200);
  t.deepEqual(h.getFilesToDelete(), [join(dir, 'app.log.2025-06-01')]);
  t.throws(() => h.computeRollover('0'), { instanceOf: ConfigError });
  await h.close();
  const gz = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'MIDNIGHT',
    utc: true,
    backupCount: 2,
    compress: 'gzip',
    delay: true,
  });
  t.deepEqual(gz.getFilesToDelete(), [join(dir, 'app.log.2025-06-01'), join(dir, 'app.log.2025-06-02')]);
  await gz.close();
});

for (const shared of [false, true]) {
  test(`namer and rotator are assignable as in CPython: the next rotation uses them (shared: ${shared})`, async (t) => {
    const dir = tempDir();
    const old = (n) => `${n}.old`;
    const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
      when: 'S',
      utc: true,
      delay: true,
      shared,
      namer: old,
    });
    t.is(h.namer, old);
    t.is(h.rotator, null);
    h.write('s0\n', T0 + 100);
    h.write('s1\n', T0 + 1100);
    await h.flush();
    h.namer = (n) => `${n}.new`;
    h.rotator = (source, dest) => require('node:fs').renameSync(source, `${dest}.moved`);
    // The flusher thread hears of it by message (the writing thread's own drainer at once).
    if (shared) await new Promise((r) => setTimeout(r, 300));
    h.write('s2\n', T0 + 2100);
    await h.close();
    t.deepEqual(names(dir), ['app.log', 'app.log.2025-06-15_12-00-00.old', 'app.log.2025-06-15_12-00-01.new.moved']);
    t.is(read(join(dir, 'app.log.2025-06-15_12-00-01.new.moved')), 's1\n');
  });
}

test('a namer assigned that cannot run in the flusher thread is a ConfigError, and the namer in use stays', async (t) => {
  const namer = (n) => `${n}.old`;
  const h = new ConcurrentTimedRotatingFileHandler(join(tempDir(), 'app.log'), { when: 'S', delay: true, namer });
  const captured = '.x';
  const err = t.throws(
    () => {
      h.namer = (n) => `${n}${captured}`;
    },
    { instanceOf: ConfigError },
  );
  t.is(err.option, 'namer');
  t.is(h.namer, namer);
  await h.close();
});

test.serial(
  "dictConfig's '.' namer (the CPython cookbook) reaches the handler; getHandlerByName finds it by name until it closes",
  async (t) => {
    const dir = tempDir();
    dictConfig({
      version: 1,
      handlers: {
        rotating: {
          class: 'logging.handlers.TimedRotatingFileHandler',
          filename: join(dir, 'app.log'),
          when: 'S',
          utc: true,
          delay: true,
          '.': { namer: (name) => `${name}.old` },
        },
      },
      root: { handlers: ['rotating'], level: 'INFO' },
    });
    const h = getHandlerByName('rotating');
    t.true(h instanceof ConcurrentTimedRotatingFileHandler);
    t.true(getHandlerNames().has('rotating'));
    t.is(getHandlerByName('nothing'), null);
    h.write('a\n', T0 + 100);
    h.write('b\n', T0 + 1100);
    await shutdown();
    t.deepEqual(names(dir), ['app.log', 'app.log.2025-06-15_12-00-00.old']);
    t.is(getHandlerByName('rotating'), null, 'a closed handler is no longer found');
    t.false(getHandlerNames().has('rotating'));
  },
);

test('a handler named with setName or .name is found by getHandlerByName; renaming moves it', async (t) => {
  const h = new ConcurrentRotatingFileHandler(join(tempDir(), 'app.log'), { maxBytes: 10, delay: true });
  h.setName('first');
  t.is(getHandlerByName('first'), h);
  h.name = 'second';
  t.is(getHandlerByName('first'), null);
  t.is(getHandlerByName('second'), h);
  await h.close();
  t.is(getHandlerByName('second'), null);
});
