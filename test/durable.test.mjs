// Durable mode (fsync: 'batch'), observed with strace on the real process: every run of records
// written to the log is fdatasync'ed before anything else happens to it, one sync per batch (not
// per record), and flush() resolves only after the sync of its records.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, FIXTURES } from './helpers/core.mjs';

const ROUNDS = 3;
const COUNT = 2000;

/** The traced process's log writes, syncs and "flushed N" lines, in order. */
function trace(mode) {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const out = join(dir, 'trace');
  execFileSync('strace', ['-f', '-qq', '-y', '-e', 'trace=write,fdatasync', '-o', out,
    process.execPath, join(FIXTURES, 'durable-writer.mjs'), file, String(ROUNDS), String(COUNT), mode], { stdio: 'ignore' });
  const events = [];
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.includes(`<${file}>`)) {
      if (/\bfdatasync\(/.test(line)) events.push({ kind: 'sync' });
      else if (/\bwrite\(/.test(line)) events.push({ kind: 'write', bytes: Number(/= (\d+)$/.exec(line)?.[1] ?? 0) });
    } else {
      const m = /write\(1<[^>]*>, "flushed (\d+)\\n"/.exec(line);
      if (m) events.push({ kind: 'flushed', round: Number(m[1]) });
    }
  }
  return { events, file };
}

const roundBytes = (r) => Array.from({ length: COUNT }, (_, i) => `round ${r} record ${i}\n`.length).reduce((a, b) => a + b, 0);

test('fsync batch: each write to the log is synced before the next one, and flush() resolves after its records\' sync', (t) => {
  const { events, file } = trace('fsync');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  t.is(lines.length, ROUNDS * COUNT);
  let unsynced = false;
  let syncedBytes = 0;
  let writtenBytes = 0;
  let writes = 0;
  for (const e of events) {
    if (e.kind === 'write') {
      t.false(unsynced, 'a second write before the first one was synced');
      unsynced = true;
      writtenBytes += e.bytes;
      writes++;
    } else if (e.kind === 'sync') {
      unsynced = false;
      syncedBytes = writtenBytes;
    } else {
      // flush() resolved: every record of rounds 0..N is written and synced.
      const needed = Array.from({ length: e.round + 1 }, (_, r) => roundBytes(r)).reduce((a, b) => a + b, 0);
      t.true(syncedBytes >= needed, `flushed ${e.round} before its records were synced (${syncedBytes} < ${needed})`);
    }
  }
  t.is(events.filter((e) => e.kind === 'flushed').length, ROUNDS);
  // Group commit: far fewer syncs than records.
  t.true(writes < ROUNDS * COUNT / 100, `${writes} writes for ${ROUNDS * COUNT} records`);
});

test('without fsync the handler never calls fdatasync', (t) => {
  const { events } = trace('nofsync');
  t.true(events.some((e) => e.kind === 'write'));
  t.false(events.some((e) => e.kind === 'sync'));
});

test('fsync batch: a rotation syncs the folder after renaming the base file', (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const out = join(dir, 'trace');
  execFileSync('strace', ['-f', '-qq', '-y', '-e', 'trace=rename,renameat,renameat2,fsync', '-o', out,
    process.execPath, join(FIXTURES, 'durable-writer.mjs'), file, '2', '10', 'fsync', 'S'], { stdio: 'ignore' });
  const lines = readFileSync(out, 'utf8').split('\n');
  const renamed = lines.findIndex((l) => /rename/.test(l) && l.includes(file) && !l.includes('.lock'));
  t.true(renamed >= 0, 'the base file was rotated');
  t.true(lines.slice(renamed + 1).some((l) => new RegExp(`fsync\\(\\d+<${dir}>\\)`).test(l)), 'the folder is synced after the rename');
});
