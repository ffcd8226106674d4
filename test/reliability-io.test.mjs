// I/O faults: each is reported through the 'error' event with its path and cause, never thrown
// from write() and never fatal; records wait in the ring and are written once the fault clears;
// records dropped because the ring filled up during a fault are counted and reported; no torn line.
import test from 'ava';
import {
  mkdirSync,
  rmSync,
  writeFileSync,
  readFileSync,
  symlinkSync,
  readdirSync,
  existsSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir, lockOf, reported } from './helpers/core.mjs';
import { readLog, recordLine, missingOf } from '../bench/chaos/records.mjs';
import { smallFs, freeBytes } from './fixtures/chaos/smallfs.mjs';

// Records are stamped a little in the future: a base path made during a test (a folder, a link
// to /dev/full) is newer than any record stamped before it, and such records would rightly go
// to their own period's file instead of meeting the fault under test. The handler's clock says
// the second after (a record further ahead of the clock than a period would be refiled under it).
const T0 = (Math.floor(Date.now() / 1000) + 60) * 1000;

function open(file, options = {}) {
  const h = new ConcurrentTimedRotatingFileHandler(file, {
    when: 'S',
    utc: true,
    delay: true,
    clock: () => T0 + 1000,
    ...options,
  });
  const errors = [];
  h.on('error', (e) => errors.push(e));
  return { h, errors };
}

/** Writes n records (ids tag 0 0..n-1) at T0 + 100; every write() must return true. */
function writeRecords(t, h, tag, n, pad = 20) {
  let accepted = 0;
  for (let i = 0; i < n; i++) if (h.write(recordLine(tag, 0, i, T0 + 100, pad), T0 + 100)) accepted++;
  t.is(accepted, n, 'write() accepted every record during the fault');
}

/** After the fault cleared: every record on disk once, nothing torn. */
async function allWritten(t, h, file, tag, n) {
  await h.close();
  const log = readLog(file);
  t.deepEqual(log.violations, []);
  t.deepEqual(missingOf(log.seen, tag, [{ thread: 0, n }]), []);
  t.is(log.lines, n);
  t.is(h.dropped, 0);
}

test('mkdir: false: a missing folder is reported as ENOENT naming the log; the records wait and are written once it exists', async (t) => {
  const dir = join(tempDir(), 'later');
  const file = join(dir, 'app.log');
  const { h, errors } = open(file, { mkdir: false });
  t.notThrows(() => writeRecords(t, h, 'm', 200));
  const err = await reported(errors, (e) => e.code === 'ENOENT');
  t.is(err.name, 'LogFileError');
  t.true(err.path.startsWith(dir), err.path);
  t.truthy(err.syscall);
  t.regex(err.message, /later/);
  t.true(h.stats().pendingBytes > 0, 'the records wait in the ring');
  mkdirSync(dir);
  await allWritten(t, h, file, 'm', 200);
});

test('a folder that is really a file is reported as ENOTDIR with its path; records are written once it is a folder', async (t) => {
  const parent = join(tempDir(), 'logs');
  writeFileSync(parent, 'not a folder');
  const file = join(parent, 'app.log');
  const { h, errors } = open(file);
  writeRecords(t, h, 'n', 200);
  const err = await reported(errors, (e) => e.code === 'ENOTDIR');
  t.true(err.path.startsWith(parent), err.path);
  t.regex(err.message, /ENOTDIR/);
  rmSync(parent);
  mkdirSync(parent);
  await allWritten(t, h, file, 'n', 200);
});

test('a lock file path that is a folder is reported as EISDIR with its path; records are written once it is removed', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  mkdirSync(lockOf(file));
  const { h, errors } = open(file);
  writeRecords(t, h, 'l', 200);
  const err = await reported(errors, (e) => e.code === 'EISDIR');
  t.is(err.path, lockOf(file));
  rmSync(lockOf(file), { recursive: true });
  await allWritten(t, h, file, 'l', 200);
});

test('a base path that is a folder is reported as EISDIR, never rotated, and its records are written once it is a file', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  mkdirSync(file);
  writeFileSync(join(file, 'keep'), 'inside');
  const { h, errors } = open(file);
  writeRecords(t, h, 'd', 100);
  const err = await reported(errors, (e) => e.code === 'EISDIR');
  t.is(err.path, file);
  t.is(err.syscall, 'open');
  // A later second: CPython never rotates a non-regular file; the folder stays where it is.
  t.true(h.write(recordLine('d2', 0, 0, T0 + 1100), T0 + 1100));
  await new Promise((r) => setTimeout(r, 300));
  t.true(statSync(file).isDirectory());
  t.is(readFileSync(join(file, 'keep'), 'utf8'), 'inside');
  t.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('app.log.')),
    [],
  );
  rmSync(file, { recursive: true });
  await h.close();
  const log = readLog(file);
  // Once the path is a file again, the next rollover rotates it as usual: each second's records
  // are in their own second's file, whole and once each.
  t.deepEqual(log.violations, []);
  t.is(log.files, 2);
  t.deepEqual(missingOf(log.seen, 'd', [{ thread: 0, n: 100 }]), []);
  t.deepEqual(missingOf(log.seen, 'd2', [{ thread: 0, n: 1 }]), []);
  t.is(log.lines, 101);
});

test('a read-only file system (or a path that cannot be opened) is reported with its path; records are written once it is writable', async (t) => {
  const fs = smallFs(1024);
  if (fs) {
    t.teardown(fs.dispose);
    const file = join(fs.dir, 'app.log');
    fs.readOnly();
    const { h, errors } = open(file);
    writeRecords(t, h, 'ro', 300);
    const err = await reported(errors, (e) => e.code === 'EROFS');
    t.true(err.path.startsWith(fs.dir), err.path);
    fs.readWrite();
    await allWritten(t, h, file, 'ro', 300);
  } else {
    // No mount here: a lock path that is a folder refuses the open as surely as EROFS would.
    const dir = tempDir();
    const file = join(dir, 'app.log');
    mkdirSync(lockOf(file));
    const { h, errors } = open(file);
    writeRecords(t, h, 'ro', 300);
    await reported(errors, (e) => e.code === 'EISDIR' && e.path === lockOf(file));
    rmSync(lockOf(file), { recursive: true });
    await allWritten(t, h, file, 'ro', 300);
  }
});

test('a full disk is reported as ENOSPC; a partly written batch is cut back, and everything is written once there is room', async (t) => {
  const fs = smallFs(256);
  if (!fs) {
    t.pass('no tmpfs here: the /dev/full test below covers ENOSPC');
    return;
  }
  t.teardown(fs.dispose);
  const file = join(fs.dir, 'app.log');
  // Some records before the disk fills up.
  const first = open(file);
  writeRecords(t, first.h, 'before', 50);
  await first.h.flush();
  // Fill the disk but for an odd number of bytes, so the next write stops inside a record.
  const filler = join(fs.dir, 'filler');
  writeFileSync(filler, Buffer.alloc(freeBytes(fs.dir) - 4096 - 1234));
  const { h, errors } = first;
  const n = 3000; // ~150 KB, far more than the room left
  writeRecords(t, h, 'full', n, 20);
  const err = await reported(errors, (e) => e.code === 'ENOSPC');
  t.is(err.path, file);
  t.is(err.syscall, 'write');
  // Whatever reached the disk before the fault ends in a whole line.
  const during = readFileSync(file, 'utf8');
  t.true(during.endsWith('\n'), 'no torn tail while the disk is full');
  rmSync(filler);
  await h.close();
  const log = readLog(file);
  t.deepEqual(log.violations, []);
  t.deepEqual(missingOf(log.seen, 'before', [{ thread: 0, n: 50 }]), []);
  t.deepEqual(missingOf(log.seen, 'full', [{ thread: 0, n }]), []);
  t.is(log.lines, 50 + n);
  t.is(h.dropped, 0);
});

test('a base file on /dev/full: ENOSPC is reported, write() never throws, and the host carries on', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  symlinkSync('/dev/full', file);
  const { h, errors } = open(file, { ringSize: 64 * 1024 });
  let refused = 0;
  t.notThrows(() => {
    for (let i = 0; i < 3000; i++) if (!h.write(recordLine('f', 0, i, T0, 40), T0)) refused++;
  });
  const err = await reported(errors, (e) => e.code === 'ENOSPC');
  t.is(err.path, file);
  t.is(err.syscall, 'write');
  // The ring (64 KiB) cannot hold ~200 KB: the rest was dropped, counted and reported.
  t.true(refused > 0);
  t.is(h.dropped, refused);
  t.is(h.stats().dropped, refused);
  // close() resolves (it never takes the host down) and reports what it could not write.
  const before = errors.length;
  await t.notThrowsAsync(h.close());
  t.true(errors.slice(before).some((e) => e.code === 'ENOSPC'));
});

test('records dropped while the ring is full during a fault are counted and reported; the accepted ones are all written once it clears', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  mkdirSync(lockOf(file));
  const { h, errors } = open(file, { ringSize: 64 * 1024 });
  const accepted = [];
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    if (h.write(recordLine('x', 0, i, T0 + 10, 40), T0 + 10)) accepted.push(i);
    else refused++;
    if (i === 100) await reported(errors, (e) => e.code === 'EISDIR');
  }
  t.true(refused > 0, 'the ring filled up');
  t.is(h.dropped, refused);
  const drop = await reported(errors, (e) => e.code === 'ERR_CONCURRENT_LOG_DROPPED');
  t.is(drop.name, 'RecordsDroppedError');
  t.true(drop.dropped >= 1 && drop.dropped <= refused);
  t.regex(drop.message, /dropped/);
  t.regex(drop.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  const reportedTotal = Math.max(
    ...errors.filter((e) => e.code === 'ERR_CONCURRENT_LOG_DROPPED').map((e) => e.dropped),
  );
  t.true(reportedTotal * 2 > refused, `the reports keep up with the drops (${reportedTotal} of ${refused})`);
  rmSync(lockOf(file), { recursive: true });
  await h.close();
  const log = readLog(file);
  t.deepEqual(log.violations, []);
  t.is(log.lines, accepted.length);
  t.deepEqual(
    accepted.filter((i) => !log.seen.has(`x 0 ${i}`)),
    [],
  );
  t.false(existsSync(join(dir, 'app.log.2025-06-15_12-00-00')));
});
