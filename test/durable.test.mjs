// Durable mode (fsync: 'batch'), observed with strace on the real process: every run of records
// written to the log is fdatasync'ed before anything else happens to it, one sync per batch (not
// per record), and flush() resolves only after the sync of its records.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, FIXTURES } from './helpers/core.mjs';
import { ensureTool } from './helpers/tools.mjs';

const ROUNDS = 3;
const COUNT = 2000;

/**
 * The traced process's log writes, syncs and "flushed N" lines, in the order they completed. One
 * trace file per thread (strace -ff), so no call is split by another thread's, each line stamped with
 * its start (-ttt) and duration (-T).
 */
function trace(mode) {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const prefix = join(dir, 'trace');
  ensureTool('strace');
  execFileSync(
    'strace',
    [
      '-ff',
      '-qq',
      '-y',
      '-ttt',
      '-T',
      '-e',
      'trace=write,fdatasync',
      '-o',
      prefix,
      process.execPath,
      join(FIXTURES, 'durable-writer.mjs'),
      file,
      String(ROUNDS),
      String(COUNT),
      mode,
    ],
    { stdio: 'ignore' },
  );
  const events = [];
  for (const name of readdirSync(dir).filter((f) => f.startsWith('trace.'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const m = /^(\d+\.\d+) (.*) <(\d+\.\d+)>$/.exec(line);
      if (!m) continue;
      const [, start, call, took] = m;
      const done = Number(start) + Number(took);
      if (call.includes(`<${file}>`)) {
        if (call.startsWith('fdatasync(')) events.push({ at: done, kind: 'sync' });
        else if (call.startsWith('write('))
          events.push({ at: done, kind: 'write', bytes: Number(/= (\d+)$/.exec(call)?.[1] ?? 0) });
      } else {
        const f = /^write\(1<[^>]*>, "flushed (\d+)\\n"/.exec(call);
        // A flush() has resolved once its line starts being written.
        if (f) events.push({ at: Number(start), kind: 'flushed', round: Number(f[1]) });
      }
    }
  }
  events.sort((a, b) => a.at - b.at);
  return { events, file };
}

const roundBytes = (r) =>
  Array.from({ length: COUNT }, (_, i) => `round ${r} record ${i}\n`.length).reduce((a, b) => a + b, 0);

test("fsync batch: each write to the log is synced before the next one, and flush() resolves after its records' sync", (t) => {
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
  t.true(writes < (ROUNDS * COUNT) / 100, `${writes} writes for ${ROUNDS * COUNT} records`);
});

test('without fsync the handler never calls fdatasync', (t) => {
  const { events } = trace('nofsync');
  t.true(events.some((e) => e.kind === 'write'));
  t.false(events.some((e) => e.kind === 'sync'));
});

test('fsync batch: a rotation syncs the folder after renaming the base file', (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const prefix = join(dir, 'trace');
  ensureTool('strace');
  execFileSync(
    'strace',
    [
      '-ff',
      '-qq',
      '-y',
      '-ttt',
      '-e',
      'trace=rename,renameat,renameat2,fsync',
      '-o',
      prefix,
      process.execPath,
      join(FIXTURES, 'durable-writer.mjs'),
      file,
      '2',
      '10',
      'fsync',
      'S',
    ],
    { stdio: 'ignore' },
  );
  const calls = readdirSync(dir)
    .filter((f) => f.startsWith('trace.'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .map((line) => /^(\d+\.\d+) (.*)$/.exec(line))
    .filter(Boolean)
    .map((m) => ({ at: Number(m[1]), call: m[2] }))
    .sort((a, b) => a.at - b.at);
  const renamed = calls.findIndex((c) => /^rename/.test(c.call) && c.call.includes(`"${file}"`));
  t.true(renamed >= 0, 'the base file was rotated');
  t.true(
    calls.slice(renamed + 1).some((c) => c.call.startsWith('fsync(') && c.call.includes(`<${dir}>`)),
    'the folder is synced after the rename',
  );
});
