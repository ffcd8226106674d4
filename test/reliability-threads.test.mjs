// Worker threads terminated in the middle of a burst of writes: every record whose write() had
// returned before the thread's last message was received is on disk exactly once, nothing is torn,
// and the threads left alive (and the process) carry on.
import test from 'ava';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';
import { readLog, recordLine, missingOf } from '../bench/chaos/records.mjs';

const BURST = new URL('./fixtures/chaos/burst-thread.mjs', import.meta.url);
const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);

/** Starts a burst thread and terminates it right after its `after`-th message; resolves with the last count it posted. */
function burstThenTerminate(file, tag, after, options) {
  const w = new Worker(BURST, { workerData: { file, tag, batch: 97, timeMs: T0 + 100, options } });
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last = 0;
    const problems = [];
    w.on('message', (m) => {
      if (m.n === undefined) return problems.push(m);
      last = m.n;
      if (++seen === after) w.terminate().then(() => resolve({ tag, n: last, problems }), reject);
    });
    w.on('error', reject);
  });
}

async function terminatedMidBurst(t, options) {
  const file = join(tempDir(), 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'S', utc: true, delay: true, ...options });
  const errors = [];
  h.on('error', (e) => errors.push(e));
  // Three threads killed at different points of their bursts, while this thread writes too.
  const killed = Promise.all(
    [
      ['a', 3],
      ['b', 17],
      ['c', 40],
    ].map(([tag, after]) => burstThenTerminate(file, tag, after, options)),
  );
  let mine = 0;
  for (; mine < 3000; mine++) {
    h.write(recordLine('main', 0, mine, T0 + 200), T0 + 200);
    if (mine % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  const results = await killed;
  // The process carries on after the terminations: more records, then close.
  for (let i = mine; i < mine + 500; i++) h.write(recordLine('main', 0, i, T0 + 300), T0 + 300);
  await h.close();
  const log = readLog(file);
  t.deepEqual(log.violations, []);
  t.is(log.torn, 0);
  t.is(log.duplicated, 0);
  t.deepEqual(missingOf(log.seen, 'main', [{ thread: 0, n: mine + 500 }]), []);
  for (const r of results) {
    t.true(r.n > 0);
    t.deepEqual(r.problems, [], `thread ${r.tag} had no refused write and no error`);
    t.deepEqual(
      missingOf(log.seen, r.tag, [{ thread: 0, n: r.n }]),
      [],
      `thread ${r.tag}: every record counted before it was terminated is on disk`,
    );
  }
  t.deepEqual(errors, []);
  t.is(h.dropped, 0);
}

test('threads terminated mid-burst lose none of the records write() accepted', (t) => terminatedMidBurst(t, {}));

test('threads terminated while waiting for room in a full ring lose none of the records write() accepted', (t) =>
  terminatedMidBurst(t, { ringSize: 64 * 1024, flushInterval: 50 }));

test('a thread terminated before its records were flushed loses nothing, however often it happens', async (t) => {
  const file = join(tempDir(), 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'S', utc: true, delay: true, flushInterval: 1000 });
  const results = [];
  for (let round = 0; round < 6; round++)
    results.push(await burstThenTerminate(file, `r${round}`, 1 + round * 5, { flushInterval: 1000 }));
  await h.close();
  const log = readLog(file);
  t.deepEqual(log.violations, []);
  for (const r of results) t.deepEqual(missingOf(log.seen, r.tag, [{ thread: 0, n: r.n }]), [], `round ${r.tag}`);
});
