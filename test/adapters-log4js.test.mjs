// log4js's file and dateFile option names, mapped onto the handler's, through real log4js and real files.
import test from 'ava';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterPath } from './fixtures/adapters/resolve.mjs';

const require = createRequire(import.meta.url);
const log4js = require('log4js');
const appender = require(adapterPath('log4js', 'cjs'));
const DAY = 24 * 3600 * 1000;

const dirs = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'cl-log4js-'));
  dirs.push(d);
  return d;
}
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** log4js configured with one concurrent-log appender of `options`; resolves once shut down. */
async function logWith(options, write) {
  log4js.configure({
    appenders: { file: { type: appender, layout: { type: 'pattern', pattern: '%m' }, eol: '\n', ...options } },
    categories: { default: { appenders: ['file'], level: 'info' } },
  });
  await write(log4js.getLogger('test'));
  await new Promise((resolve, reject) => log4js.shutdown((err) => (err ? reject(err) : resolve())));
}

/** The folder's files (not the lock), each with its text (gunzipped for .gz). */
function files(dir) {
  const out = {};
  for (const n of readdirSync(dir).sort()) {
    if (n.startsWith('.')) continue;
    const bytes = readFileSync(join(dir, n));
    out[n] = (n.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  }
  return out;
}

const record = (i) => `record ${String(i).padStart(4, '0')} ${'x'.repeat(89)}`; // 101 bytes with '\n'

function configError(t, options, option, value) {
  const err = t.throws(() =>
    log4js.configure({
      appenders: { file: { type: appender, filename: join(tmp(), 'app.log'), ...options } },
      categories: { default: { appenders: ['file'], level: 'info' } },
    }),
  );
  t.is(err.name, 'ConfigError');
  t.is(err.option, option);
  t.deepEqual(err.value, value);
  t.true(err.message.includes(option) && err.message.includes(JSON.stringify(value)), err.message);
}

test.serial(
  'maxLogSize "1K" and backups 2: rotated by size as log4js\'s file appender, app.log.1 the newest, two kept',
  async (t) => {
    const dir = tmp();
    await logWith({ filename: join(dir, 'app.log'), maxLogSize: '1K', backups: 2 }, (log) => {
      for (let i = 0; i < 50; i++) log.info(record(i));
    });
    const got = files(dir);
    t.deepEqual(Object.keys(got), ['app.log', 'app.log.1', 'app.log.2']);
    for (const text of Object.values(got)) t.true(Buffer.byteLength(text) <= 1024);
    // The newest 50 - ... records, in order: app.log.2, app.log.1, app.log.
    const kept = (got['app.log.2'] + got['app.log.1'] + got['app.log']).split('\n').slice(0, -1);
    t.deepEqual(
      kept,
      Array.from({ length: kept.length }, (_, k) => record(50 - kept.length + k)),
    );
    t.true(kept.length >= 21 && kept.length <= 30, `${kept.length} records kept`);
  },
);

test.serial(
  'maxLogSize as a number (or "10M", "1G") without backups keeps log4js\'s default of 5 rotated files',
  async (t) => {
    const dir = tmp();
    await logWith({ filename: join(dir, 'app.log'), maxLogSize: 1024 }, (log) => {
      for (let i = 0; i < 100; i++) log.info(record(i));
    });
    t.deepEqual(Object.keys(files(dir)), ['app.log', 'app.log.1', 'app.log.2', 'app.log.3', 'app.log.4', 'app.log.5']);
    t.is(appender.handlerOptions({ maxLogSize: '10M' }).maxBytes, 10 * 1024 ** 2);
    t.is(appender.handlerOptions({ maxLogSize: '1g' }).maxBytes, 1024 ** 3);
    t.is(appender.handlerOptions({ maxLogSize: '512 K' }).maxBytes, 512 * 1024);
  },
);

test.serial(
  "numBackups means backups (streamroller's name); keepFileExt names them app.1.log, app.2.log",
  async (t) => {
    const dir = tmp();
    await logWith({ filename: join(dir, 'app.log'), maxLogSize: '1K', numBackups: 2, keepFileExt: true }, (log) => {
      for (let i = 0; i < 50; i++) log.info(record(i));
    });
    t.deepEqual(Object.keys(files(dir)), ['app.1.log', 'app.2.log', 'app.log']);
  },
);

test.serial('compress: true gzips the rotated files (app.log.1.gz), every record still readable', async (t) => {
  const dir = tmp();
  await logWith({ filename: join(dir, 'app.log'), maxLogSize: '1K', backups: 3, compress: true }, (log) => {
    for (let i = 0; i < 45; i++) log.info(record(i));
  });
  const got = files(dir);
  t.deepEqual(Object.keys(got), ['app.log', 'app.log.1.gz', 'app.log.2.gz', 'app.log.3.gz']);
  const all = (got['app.log.3.gz'] + got['app.log.2.gz'] + got['app.log.1.gz'] + got['app.log'])
    .split('\n')
    .slice(0, -1);
  t.deepEqual(
    all,
    Array.from({ length: all.length }, (_, k) => record(45 - all.length + k)),
  );
});

for (const keepFileExt of [false, true]) {
  test.serial(
    `pattern "yyyy-MM-dd" rolls at midnight: an event of two days ago goes to that day's file${keepFileExt ? ', app.<day>.log with keepFileExt' : ''}`,
    async (t) => {
      const dir = tmp();
      const then = Date.now() - 2 * DAY;
      const d = new Date(then);
      const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      const app = appender.configure(
        { filename: join(dir, 'app.log'), pattern: 'yyyy-MM-dd', keepFileExt, eol: '\n' },
        { basicLayout: (e) => e.data[0] },
      );
      app({ data: ['late'], startTime: new Date(then) });
      app({ data: ['now'], startTime: new Date() });
      await new Promise((resolve, reject) => app.shutdown((err) => (err ? reject(err) : resolve())));
      t.deepEqual(files(dir), { 'app.log': 'now\n', [keepFileExt ? `app.${day}.log` : `app.log.${day}`]: 'late\n' });
    },
  );
}

test.serial(
  "pattern with seconds rolls every second; without numBackups log4js's default keeps one rotated file",
  async (t) => {
    const dir = tmp();
    await logWith({ filename: join(dir, 'app.log'), pattern: 'yyyy-MM-dd-hh-mm-ss' }, async (log) => {
      for (let i = 0; i < 4; i++) {
        log.info(record(i));
        await new Promise((r) => setTimeout(r, 1100));
      }
    });
    const names = Object.keys(files(dir));
    t.is(names.length, 2, names.join(' '));
    t.is(names[0], 'app.log');
    t.regex(names[1], /^app\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  },
);

test.serial('removeColor strips ANSI colours from each record', async (t) => {
  const dir = tmp();
  await logWith({ filename: join(dir, 'app.log'), removeColor: true }, (log) => log.info('\x1b[31mred\x1b[39m plain'));
  t.is(files(dir)['app.log'], 'red plain\n');
});

test.serial('options that cannot be honoured are refused, naming the option and the value', (t) => {
  configError(t, { alwaysIncludePattern: true }, 'alwaysIncludePattern', true);
  configError(t, { backups: 0, maxLogSize: '1K' }, 'backups', 0);
  configError(t, { maxLogSize: '10X' }, 'maxLogSize', '10X');
  configError(t, { maxLogSize: -1 }, 'maxLogSize', -1);
  configError(t, { pattern: 'yyyy-MM' }, 'pattern', 'yyyy-MM');
  configError(t, { fileNameSep: '_' }, 'fileNameSep', '_');
  configError(t, { flags: 'w' }, 'flags', 'w');
  configError(t, { backups: 2, numBackups: 3 }, 'backups', 2);
  configError(t, { maxLogSize: '1K', maxBytes: 4096 }, 'maxLogSize', '1K');
  configError(t, { keepFileExt: true, namer: (n) => n }, 'keepFileExt', true);
});
