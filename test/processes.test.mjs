// Many processes, each a piscina pool of worker threads, writing one rotating log: nothing lost,
// duplicated, torn or misplaced, by our verifier and by the independent verify.py.
import test from 'ava';
import { join } from 'node:path';
import { tempDir, runChild, deal, verifyBoth, filesIn } from './helpers/core.mjs';

const TASKS = 8;
const N = 500; // 8 x 500 x 5 = 20,000 lines

async function forkPools(base, procs, threads, mode) {
  const runs = deal(TASKS, procs).map((tasks) =>
    runChild('pool-proc.mjs', [base, tasks, String(N), String(threads), mode]),
  );
  return Promise.all(runs);
}

function assertClean(t, { ours, py }) {
  const expected = TASKS * N * 5;
  for (const r of [ours, py]) {
    t.is(r.expected, expected);
    t.is(r.missing, 0, 'lost');
    t.is(r.duplicated, 0, 'duplicated');
    t.is(r.torn, 0, 'torn');
    t.is(r.misplaced, 0, 'misplaced');
    t.is(r.lines, expected);
  }
  for (const k of ['files', 'rotated', 'lines', 'unique', 'missing', 'duplicated', 'torn', 'misplaced']) {
    t.is(ours[k], py[k], `our verifier and verify.py agree on ${k}`);
  }
}

test('forked processes with piscina pools sharing a buffer per process lose nothing', async (t) => {
  const base = join(tempDir(), 'test.log');
  const results = await forkPools(base, 2, 2, 'shared');
  for (const r of results) t.is(r.code, 0, r.stderr);
  assertClean(t, await verifyBoth(base, { tasks: TASKS, n: N }));
});

test('cluster workers with piscina pools lose nothing', async (t) => {
  const base = join(tempDir(), 'test.log');
  const r = await runChild('cluster-main.mjs', [base, String(TASKS), String(N), '2', '2']);
  t.is(r.code, 0, r.stderr);
  assertClean(t, await verifyBoth(base, { tasks: TASKS, n: N }));
});

test('fallback writers (no shared buffer) alongside shared-buffer writers on one file lose nothing', async (t) => {
  const base = join(tempDir(), 'test.log');
  const [a, b] = deal(TASKS, 2);
  const results = await Promise.all([
    runChild('pool-proc.mjs', [base, a, String(N), '2', 'shared']),
    runChild('pool-proc.mjs', [base, b, String(N), '2', 'fallback']),
  ]);
  for (const r of results) t.is(r.code, 0, r.stderr);
  assertClean(t, await verifyBoth(base, { tasks: TASKS, n: N }));
});

test('a process pool rotates into per-second files named like CPython', async (t) => {
  const dir = tempDir();
  const base = join(dir, 'test.log');
  const results = await forkPools(base, 2, 2, 'shared');
  for (const r of results) t.is(r.code, 0, r.stderr);
  const names = filesIn(dir).filter((f) => f !== 'test.log' && f !== '.test.log.lock');
  for (const name of names) t.regex(name, /^test\.log\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/);
});
