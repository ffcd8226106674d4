// pino's documented transport behaviours, with concurrent-log as a real pino.transport target
// (pino runs it in its worker thread) writing real files.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'adapters', 'pino-contract.mjs');
const DAY = 24 * 3600 * 1000;

const dirs = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'cl-pino-'));
  dirs.push(d);
  return d;
}
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(spec) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [FIXTURE, JSON.stringify(spec)], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pino-contract.mjs failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Each file of the folder (not the lock) and its lines, parsed. */
function files(dir) {
  const out = {};
  for (const n of readdirSync(dir).sort()) {
    if (n.startsWith('.')) continue;
    const text = readFileSync(join(dir, n), 'utf8');
    if (text && !text.endsWith('\n')) throw new Error(`${n} ends in a torn line`);
    out[n] = text
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l));
  }
  return out;
}

/**
 * Every record of `base` and its rotated files, oldest file first. pino stamps a record before its
 * transport's worker has opened the file, so a run's first records can land in a rotated file of
 * the period before (a late record goes to its own period's file).
 */
function records(dir, base) {
  const all = files(dir);
  const names = Object.keys(all)
    .filter((n) => n.startsWith(`${base}.`))
    .sort();
  if (all[base]) names.push(base);
  return names.flatMap((n) => all[n]);
}

const msgs = (lines) => lines.map((l) => l.msg);
const THREE = [
  ['info', {}, 'info 1'],
  ['warn', {}, 'warn 1'],
  ['error', {}, 'error 1'],
];

/** The local date `YYYY-MM-DD` of `ms`: the suffix of a `when: 'midnight'` rotated file. */
function day(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

for (const [fn, form] of [
  ['epochTime', 'epoch ms'],
  ['unixTime', 'epoch seconds'],
  ['isoTime', 'an ISO string'],
]) {
  test(`timestamp: pino.stdTimeFunctions.${fn} (${form}) files each record under its own day`, async (t) => {
    const dir = tmp();
    // pino's clock (the main thread's) two days behind: the records belong to a day that has a rotated file.
    const shiftMs = 2 * DAY;
    const before = Date.now() - shiftMs;
    await run({
      pino: { timestamp: fn },
      target: { filename: join(dir, 'app.log'), when: 'midnight' },
      shiftMs,
      repeat: 20,
      finish: 'end',
    });
    const after = Date.now() - shiftMs;
    t.is(day(before), day(after), 'the run did not straddle midnight');
    const got = files(dir);
    t.deepEqual(got['app.log'] ?? [], [], 'nothing in the base file');
    t.deepEqual(
      msgs(got[`app.log.${day(before)}`]),
      Array.from({ length: 20 }, (_, i) => `record ${i}`),
    );
  });
}

test('timestamp: false times records on arrival; a "time" nested in a logged object is not read', async (t) => {
  const dir = tmp();
  const logged = [
    ['info', { req: { time: 5 } }, 'a duration named time'],
    ['info', { job: { time: 1_000_000_000 } }, 'an old epoch in seconds, nested'],
    ['info', { job: { time: '2001-09-09T01:46:40Z' } }, 'an old ISO time, nested'],
  ];
  await run({ pino: { timestamp: false }, target: { filename: join(dir, 'app.log') }, records: logged, finish: 'end' });
  const today = day(Date.now());
  // A file of an hourly period ('h', the default) may hold a late record; never one of another day.
  for (const name of Object.keys(files(dir))) t.true(name === 'app.log' || name.startsWith(`app.log.${today}_`), name);
  const got = records(dir, 'app.log');
  t.deepEqual(
    msgs(got),
    logged.map((r) => r[2]),
  );
  t.false('time' in got[0], 'pino wrote no timestamp');
});

test('messageKey: the line is written as pino made it, with its own message key', async (t) => {
  const dir = tmp();
  await run({
    pino: { messageKey: 'message' },
    target: { filename: join(dir, 'app.log') },
    records: THREE,
    finish: 'end',
  });
  const lines = records(dir, 'app.log');
  t.deepEqual(
    lines.map((l) => l.message),
    ['info 1', 'warn 1', 'error 1'],
  );
  t.true(lines.every((l) => !('msg' in l) && typeof l.time === 'number'));
});

test("levels: a target's own level keeps the records below it out of its file", async (t) => {
  const dir = tmp();
  await run({
    targets: [{ level: 'warn', options: { filename: join(dir, 'app.log') } }],
    records: THREE,
    finish: 'end',
  });
  t.deepEqual(msgs(records(dir, 'app.log')), ['warn 1', 'error 1']);
});

test('multi-target: concurrent-log and pino/file side by side each get every record, the same bytes', async (t) => {
  const dir = tmp();
  await run({
    targets: [
      { level: 'info', options: { filename: join(dir, 'ours.log') } },
      { level: 'info', file: join(dir, 'other.log') },
    ],
    records: THREE,
    repeat: 50,
    finish: 'end',
  });
  const ours = records(dir, 'ours.log');
  t.is(ours.length, 53);
  t.deepEqual(ours, files(dir)['other.log']);
});

test('dedupe: a record goes only to the target with the highest level it reaches', async (t) => {
  const dir = tmp();
  await run({
    targets: [
      { level: 'info', options: { filename: join(dir, 'ours.log') } },
      { level: 'error', file: join(dir, 'errors.log') },
    ],
    dedupe: true,
    records: THREE,
    finish: 'end',
  });
  t.deepEqual(msgs(records(dir, 'ours.log')), ['info 1', 'warn 1']);
  t.deepEqual(msgs(files(dir)['errors.log']), ['error 1']);
});

for (const [finish, how] of [
  ['exit', 'process.exit() right after logging'],
  ['natural', 'the event loop running out'],
]) {
  test(`exit: records logged before ${how} are on disk, without flush or end`, async (t) => {
    const dir = tmp();
    await run({ target: { filename: join(dir, 'app.log') }, repeat: 500, finish });
    t.deepEqual(
      msgs(records(dir, 'app.log')),
      Array.from({ length: 500 }, (_, i) => `record ${i}`),
    );
  });
}

test('sync: true: a burst logged synchronously, then process.exit(), is on disk whole and in order', async (t) => {
  const dir = tmp();
  await run({ target: { filename: join(dir, 'app.log') }, sync: true, repeat: 5000, finish: 'exit' });
  t.deepEqual(
    msgs(records(dir, 'app.log')),
    Array.from({ length: 5000 }, (_, i) => `record ${i}`),
  );
});
