// The wall clock jumping backwards and forwards (injected with the `clock` option): every record
// lands in its own period's file, named like CPython ('base.%Y-%m-%d_%H-%M-%S' for when='S'), and
// no rotated file ever loses what it held.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';
import { readLog, recordLine, missingOf } from '../bench/chaos/records.mjs';

const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
const NAME = /^app\.log(\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})?$/;

function clocked(dir) {
  let now = T0;
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'S',
    utc: true,
    delay: true,
    clock: () => now,
  });
  const errors = [];
  h.on('error', (e) => errors.push(e));
  let i = 0;
  /** Sets the clock, writes one record stamped by it, and waits until it is on disk. */
  const at = async (ms) => {
    now = ms;
    const line = recordLine('c', 0, i++, ms);
    h.write(line);
    await h.flush();
    return line;
  };
  return { h, errors, at, count: () => i };
}

const files = (dir) =>
  readdirSync(dir)
    .filter((f) => f !== '.app.log.lock')
    .sort();
const read = (dir, f) => readFileSync(join(dir, f), 'utf8');

test("a clock jumping back puts records in their own period's file and keeps what rotated files held", async (t) => {
  const dir = tempDir();
  const { h, errors, at } = clocked(dir);
  const a = await at(T0 + 100);
  const b = await at(T0 + 1100); // rotates: a's second is rotated out
  t.is(read(dir, 'app.log.2025-06-15_12-00-00'), a);
  const c = await at(T0 - 5000); // 5 s back, before anything known: a file named for its own second
  const d = await at(T0 + 500); // back into the rotated second: appended, a kept
  const e = await at(T0 + 1900); // the base file's own second again
  await h.close();
  t.deepEqual(errors, []);
  t.deepEqual(files(dir), ['app.log', 'app.log.2025-06-15_11-59-55', 'app.log.2025-06-15_12-00-00']);
  t.is(read(dir, 'app.log.2025-06-15_12-00-00'), a + d);
  t.is(read(dir, 'app.log.2025-06-15_11-59-55'), c);
  t.is(read(dir, 'app.log'), b + e);
});

test('a clock jumping forward an hour and a day, then back, rotates once per jump and overwrites nothing', async (t) => {
  const dir = tempDir();
  const { h, errors, at } = clocked(dir);
  const a = await at(T0 + 100);
  const b = await at(T0 + 3_600_000 + 200); // one hour on: a's file, no files for the skipped seconds
  const c = await at(T0 + 300); // back: appended to a's file
  const d = await at(T0 + 86_400_000 + 400); // one day on: b's file
  const e = await at(T0 + 3_600_000 + 900); // back to b's second
  const f = await at(T0 + 86_400_000 + 401);
  await h.close();
  t.deepEqual(errors, []);
  t.deepEqual(files(dir), ['app.log', 'app.log.2025-06-15_12-00-00', 'app.log.2025-06-15_13-00-00']);
  t.is(read(dir, 'app.log.2025-06-15_12-00-00'), a + c);
  t.is(read(dir, 'app.log.2025-06-15_13-00-00'), b + e);
  t.is(read(dir, 'app.log'), d + f);
});

test('a clock flapping between two times on every record loses nothing and misplaces nothing', async (t) => {
  const dir = tempDir();
  let now = T0;
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'S',
    utc: true,
    delay: true,
    clock: () => now,
    ringSize: 64 * 1024,
  });
  const errors = [];
  h.on('error', (e) => errors.push(e));
  const n = 6000;
  for (let i = 0; i < n; i++) {
    // Three clocks: one stuck, one running, one an hour ahead and running; interleaved.
    const k = i % 3;
    now = k === 0 ? T0 + 5 : k === 1 ? T0 + i * 3 : T0 + 3_600_000 + i * 2;
    h.write(recordLine('f', 0, i, now, i % 40));
    if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await h.close();
  t.deepEqual(errors, []);
  const log = readLog(join(dir, 'app.log'));
  t.deepEqual(log.violations, []);
  t.deepEqual(missingOf(log.seen, 'f', [{ thread: 0, n }]), []);
  t.is(log.lines, n);
  t.true(
    files(dir).every((f) => NAME.test(f)),
    files(dir).join(' '),
  );
});

test("records written with explicit times far out of order land in their own seconds' files", async (t) => {
  const dir = tempDir();
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), { when: 'S', utc: true, delay: true });
  const n = 2000;
  // A fixed shuffle of 40 seconds, some repeated far apart.
  for (let i = 0; i < n; i++) {
    const ms = T0 + ((i * 7919) % 40) * 1000 + (i % 1000);
    h.write(recordLine('o', 0, i, ms), ms);
  }
  await h.close();
  const log = readLog(join(dir, 'app.log'));
  t.deepEqual(log.violations, []);
  t.deepEqual(missingOf(log.seen, 'o', [{ thread: 0, n }]), []);
  t.is(log.rotated, 39);
});
