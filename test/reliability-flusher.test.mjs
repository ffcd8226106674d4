// The flusher thread dying again and again, and faults seen by the flusher reported by writers.
// These found two bugs: the thread that started a dead flusher closed descriptor numbers Node had
// already closed (and maybe reused), and drop reports lacked the flusher's error code.
import test from 'ava';
import { fork } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir, lockOf } from './helpers/core.mjs';
import { readLog, missingOf, recordLine } from '../bench/chaos/records.mjs';

const DIES = new URL('./fixtures/chaos/flusher-dies-often.mjs', import.meta.url);

function run(dir, deaths) {
  const file = join(dir, 'app.log');
  const markers = join(dir, 'markers');
  mkdirSync(markers);
  return new Promise((resolve) => {
    const child = fork(DIES, [file, markers, String(deaths), '6', '2000'], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let report = null;
    child.stderr.on('data', (d) => (stderr += d));
    child.on('message', (m) => (report = m));
    child.on('close', (code) => resolve({ code, stderr, report, file }));
  });
}

// Bug 1 (src/shared.ts:112-115, src/drain.ts:116-119): Node closes a worker's raw fds when it exits
// (Worker option trackUnmanagedFds, default true), so closing HELD_LOCK_FD afterwards closes a
// descriptor number that another thread may already have reopened (a lock file, a log file, a
// module being loaded). Node warns "File descriptor N closed but not opened in unmanaged mode".
test('a flusher thread dying mid-drain makes no thread close a descriptor it did not open', async (t) => {
  const r = await run(tempDir(), 4);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stderr, /closed but not opened in unmanaged mode/);
});

// Bug 1, its effect: about one run in ten the host crashes (EBADF in the module loader of a thread
// starting up) or a thread's lock or log descriptor is closed under it.
test('the flusher thread dying at each of four rotations hands over every time, losing nothing', async (t) => {
  for (let round = 0; round < 5; round++) {
    const r = await run(tempDir(), 4);
    t.is(r.code, 0, r.stderr.slice(0, 2000));
    t.is(r.report.deaths, 4);
    t.deepEqual(r.report.errors, []);
    const log = readLog(r.file);
    t.deepEqual(log.violations, []);
    t.deepEqual(missingOf(log.seen, 't', r.report.threads), []);
  }
});

// Bug 2 (src/handler.ts:249): in shared mode the drainer that failed is the flusher's, in another
// thread; `this.drainer` is null (or a stale one), so RecordsDroppedError never says why.
test('records dropped in shared mode are reported with the I/O error that caused the drop', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  mkdirSync(lockOf(file));
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'S', utc: true, delay: true, ringSize: 64 * 1024 });
  const errors = [];
  h.on('error', (e) => errors.push(e));
  for (let i = 0; i < 5000; i++) {
    h.write(recordLine('x', 0, i, 1e12, 40), 1e12);
    if (i === 100) await new Promise((r) => setTimeout(r, 300));
  }
  const drop = errors.find((e) => e.code === 'ERR_CONCURRENT_LOG_DROPPED');
  t.truthy(drop);
  rmSync(lockOf(file), { recursive: true });
  await h.close();
  t.regex(drop.message, /EISDIR/);
});
