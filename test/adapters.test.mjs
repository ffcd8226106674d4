import test from 'ava';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterPath } from './fixtures/adapters/resolve.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'adapters');
const PROCESSES = 3;
const PER_PROCESS = 400;

const dirs = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'cl-adapters-'));
  dirs.push(d);
  return d;
}
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(script, args) {
  return new Promise((resolve, reject) => {
    const child = fork(join(FIXTURES, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} exited with ${code ?? signal}`)),
    );
  });
}

/** Every line of `base` and its rotated files; fails on a file not ending in '\n' (a torn last line). */
function readAll(t, dir, base) {
  const lines = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(base) || f.endsWith('.lock')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    if (text.length) t.true(text.endsWith('\n'), `${f} ends with a whole line`);
    lines.push(...text.split('\n').slice(0, -1));
  }
  return lines;
}

/** Each `msg-<process>-<j>` exactly once, every line parsed by `parse`. */
function verify(t, lines, parse) {
  const seen = new Map();
  const bad = [];
  for (const line of lines) {
    const msg = parse(line);
    if (!msg || !/^msg-\d+-\d+$/.test(msg)) bad.push(line);
    else seen.set(msg, (seen.get(msg) ?? 0) + 1);
  }
  t.deepEqual(bad, [], 'no torn or foreign line');
  const missing = [];
  const dup = [];
  for (let p = 0; p < PROCESSES; p++) {
    for (let j = 0; j < PER_PROCESS; j++) {
      const n = seen.get(`msg-${p}-${j}`) ?? 0;
      if (n === 0) missing.push(`msg-${p}-${j}`);
      if (n > 1) dup.push(`msg-${p}-${j}`);
    }
  }
  t.deepEqual(missing, [], 'no message lost');
  t.deepEqual(dup, [], 'no message duplicated');
  t.is(lines.length, PROCESSES * PER_PROCESS);
}

function json(key) {
  return (line) => {
    try {
      return JSON.parse(line)[key];
    } catch {
      return null;
    }
  };
}

async function many(script, file, extra = []) {
  await Promise.all(
    Array.from({ length: PROCESSES }, (_, p) => run(script, [file, String(p), String(PER_PROCESS), ...extra])),
  );
}

test('pino transport: several processes write one file, every line once and whole', async (t) => {
  const dir = tmp();
  await many('pino-child.mjs', join(dir, 'app.log'));
  verify(t, readAll(t, dir, 'app.log'), json('msg'));
});

test('winston transport: several processes write one file, every line once and whole', async (t) => {
  const dir = tmp();
  await many('winston-child.mjs', join(dir, 'app.log'));
  verify(t, readAll(t, dir, 'app.log'), json('message'));
});

test('log4js appender: several processes write one file, every line once and whole', async (t) => {
  const dir = tmp();
  await many('log4js-child.cjs', join(dir, 'app.log'), [adapterPath('log4js', 'cjs')]);
  const re = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} INFO child (msg-\d+-\d+)$/;
  verify(t, readAll(t, dir, 'app.log'), (line) => re.exec(line)?.[1]);
});

test("the pino stream reassembles lines split across chunks and keeps each line's bytes", async (t) => {
  const { ConcurrentLogPinoStream } = await import(adapterPath('pino'));
  const file = join(tmp(), 'chunks.log');
  const s = new ConcurrentLogPinoStream({ filename: file, $context: {}, pinoWillSendConfig: true });
  const now = Date.now();
  const text = `{"level":30,"time":${now},"msg":"é-1"}\n{"level":30,"time":${now + 1},"msg":"ü-2"}\n`;
  const bytes = Buffer.from(text);
  // Split inside a line and inside a two-byte character.
  const cut = text.indexOf('é') + 1;
  s.write(bytes.subarray(0, cut));
  s.write(bytes.subarray(cut, 70));
  s.write(bytes.subarray(70));
  await new Promise((resolve) => s.end(resolve));
  t.is(readFileSync(file, 'utf8'), text);
});

test('pino lines are timed by their own top-level "time" field: epoch ms, epoch seconds or an ISO string', async (t) => {
  const { lineTime } = await import(adapterPath('pino'));
  t.is(lineTime('{"level":30,"time":1700000000123,"msg":"x"}'), 1700000000123);
  t.is(lineTime('{"level":30,"time":1700000000,"msg":"x"}'), 1700000000000, 'seconds (pino.stdTimeFunctions.unixTime)');
  t.is(lineTime('{"time":"2024-01-02T03:04:05.678Z","msg":"x"}'), Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  t.is(lineTime('{"ts":1,"msg":"x"}'), undefined);
  t.is(lineTime('{"ts":1700000000123}', 'ts'), 1700000000123);
  t.is(
    lineTime('{"level":30,"req":{"time":1700000000123},"msg":"x"}'),
    undefined,
    'a nested "time" is not the record\'s',
  );
  t.is(lineTime('{"level":30,"msg":"\\"time\\":1700000000123","x":["time"]}'), undefined, 'nor one inside a string');
  t.is(
    lineTime('{"level":30,"took":{"time":5},"time":1700000000123}'),
    1700000000123,
    'the top-level one after a nested one',
  );
  t.is(lineTime('{"level":30,"time":5,"msg":"x"}'), undefined, 'a small number is no time (not 1970)');
  t.is(lineTime('{"level":30,"time":1700000000123}', null), undefined, 'timeKey: null reads no field');
  const { ConcurrentLogPinoStream } = await import(adapterPath('pino'));
  const err = t.throws(() => new ConcurrentLogPinoStream({ filename: join(tmp(), 'x.log'), timeKey: 5 }), {
    name: 'ConfigError',
  });
  t.is(err.option, 'timeKey');
  t.is(err.value, 5);
});

test("the winston transport writes info.timestamp's time and winston's formatted message", async (t) => {
  const { ConcurrentLogTransport } = await import(adapterPath('winston'));
  const file = join(tmp(), 'w.log');
  const tr = new ConcurrentLogTransport({ filename: file });
  const writes = [];
  const write = tr.handler.write.bind(tr.handler);
  tr.handler.write = (line, time) => (writes.push([line, time]), write(line, time));
  const now = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await new Promise((resolve) =>
    tr.log({ timestamp: new Date(now).toISOString(), [Symbol.for('message')]: 'formatted' }, resolve),
  );
  await new Promise((resolve) => tr.log({ timestamp: 'not a time', [Symbol.for('message')]: 'second' }, resolve));
  // Day-first: Date.parse would read 11/05 as November 5th (or fail); it is not used at all.
  await new Promise((resolve) =>
    tr.log({ timestamp: '11/05/2026 10:00:00', [Symbol.for('message')]: 'third' }, resolve),
  );
  // Epoch seconds (a timestamp format returning Date.now() / 1000), not 1970.
  await new Promise((resolve) => tr.log({ timestamp: now / 1000, [Symbol.for('message')]: 'fourth' }, resolve));
  await tr.flush();
  t.deepEqual(writes[0], ['formatted\n', now]);
  t.is(writes[1][1], undefined, 'no usable timestamp: the handler takes now');
  t.is(writes[2][1], undefined, 'an ambiguous timestamp is not guessed at: the handler takes now');
  t.is(writes[3][1], now, 'epoch seconds');
  await new Promise((resolve) => tr.end(resolve));
  t.is(readFileSync(file, 'utf8'), 'formatted\nsecond\nthird\nfourth\n');
});

for (const kind of ['pino', 'winston', 'log4js']) {
  test(`${kind}: an I/O error (a missing folder with mkdir: false) is reported and the host ends normally`, async (t) => {
    const file = join(tmp(), 'missing', 'app.log');
    const out = await new Promise((resolve, reject) => {
      const child = fork(join(FIXTURES, 'io-error.mjs'), [kind, file], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    t.is(out.code, 0, out.stderr);
    t.true(JSON.parse(out.stdout.trim().split('\n').at(-1)).reported > 0, out.stderr);
  });
}

/** The folder's files (not the lock) with their line counts. */
function lineCounts(dir) {
  const out = {};
  for (const n of readdirSync(dir).sort())
    if (!n.startsWith('.')) out[n] = readFileSync(join(dir, n), 'utf8').split('\n').length - 1;
  return out;
}

test('adapters: maxBytes without when rotates by size (base.1 ... base.N); with when, within each period', async (t) => {
  const { ConcurrentLogPinoStream } = await import(adapterPath('pino'));
  const { ConcurrentLogTransport } = await import(adapterPath('winston'));
  const { configure } = await import(adapterPath('log4js'));
  const line = (i) => `{"level":30,"msg":"record ${String(i).padStart(3, '0')}"}\n`; // 32 bytes: three per 100-byte file
  const options = { maxBytes: 100, backupCount: 3 };
  const dirs = { pino: tmp(), winston: tmp(), log4js: tmp() };
  const pino = new ConcurrentLogPinoStream({ filename: join(dirs.pino, 'app.log'), ...options });
  const winston = new ConcurrentLogTransport({ filename: join(dirs.winston, 'app.log'), ...options });
  const log4js = configure(
    { filename: join(dirs.log4js, 'app.log'), layout: undefined, ...options, eol: '' },
    { basicLayout: (e) => e.data[0], layout: () => (e) => e.data[0] },
  );
  for (let i = 0; i < 10; i++) {
    pino.write(line(i));
    await new Promise((r) => winston.log({ [Symbol.for('message')]: line(i).slice(0, -1) }, r));
    log4js({ data: [line(i)], startTime: new Date() });
  }
  await new Promise((r) => pino.end(r));
  await new Promise((r) => winston.end(r));
  await new Promise((r, j) => log4js.shutdown((e) => (e ? j(e) : r())));
  for (const [kind, dir] of Object.entries(dirs)) {
    t.deepEqual(lineCounts(dir), { 'app.log': 1, 'app.log.1': 3, 'app.log.2': 3, 'app.log.3': 3 }, kind);
  }
  // With a schedule, maxBytes splits the period instead.
  const timed = tmp();
  const w2 = new ConcurrentLogTransport({ filename: join(timed, 'app.log'), when: 'D', ...options, maxAge: '30d' });
  for (let i = 0; i < 8; i++) await new Promise((r) => w2.log({ [Symbol.for('message')]: line(i).slice(0, -1) }, r));
  await new Promise((r) => w2.end(r));
  const names = Object.keys(lineCounts(timed));
  t.is(names.length, 3);
  for (const n of names.slice(1)) t.regex(n, /^app\.log\.\d{4}-\d{2}-\d{2}\.[12]$/);
});
