// The follower (`concurrent-log follow`) against a real handler rotating every second in another
// process: every line once across rotations, gzip, its own stall (SIGSTOP), SIGKILL and restart.
import test from 'ava';
import { spawn, execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { ROOT, tempDir } from './helpers/core.mjs';

const BIN = join(ROOT, 'bin/concurrent-log.mjs');
const WRITER = join(ROOT, 'ship/writer.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the follower; `out()` is what it printed so far; `done` resolves on exit. */
function follow(args) {
  const child = spawn(process.execPath, [BIN, 'follow', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  let err = '';
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((res) => child.on('close', (code, signal) => res({ code, signal, err })));
  // Its first pass is done (its place found): what is written from now on will be printed.
  const started = () => until(() => err.includes('concurrent-log follow: following'), 30_000);
  return { child, done, started, out: () => Buffer.concat(chunks).toString() };
}

function writer(file, ms, options = {}) {
  return new Promise((res, rej) =>
    execFile(process.execPath, [WRITER, file, String(ms), JSON.stringify(options)], (err, stdout) =>
      err ? rej(err) : res(Number(stdout.trim())),
    ),
  );
}

/**
 * Line numbers printed, in print order. A follower SIGKILLed in the middle of a write to its pipe
 * leaves the consumer a cut last line: only whole lines count (the restart prints that one again).
 */
const numbers = (text) =>
  text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(/^line-(\d+) x+$/.exec(l)?.[1] ?? NaN));

/** Waits until `cond()` or `ms` pass. */
async function until(cond, ms) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
}

/**
 * A second follower from the checkpoint at `pos`, after a first one printed `first` and was killed:
 * run until the writer (`wrote`: how many lines) is done and every line was printed by one run or
 * the other, which it asserts. Resolves with the count and the second run's line numbers.
 */
async function resume(t, file, pos, first, wrote) {
  const f2 = follow([file, '--checkpoint', pos, '--poll-ms', '20']);
  t.teardown(() => kill(f2));
  const n = await wrote;
  const all = () => new Set([...first, ...numbers(f2.out())]).size;
  await until(() => all() >= n, 30_000);
  kill(f2, 'SIGTERM');
  await f2.done;
  t.is(all(), n, 'every line printed by one run or the other');
  return { n, second: numbers(f2.out()) };
}

/** Whether the checkpoint at `pos` records some bytes printed. */
function progressed(pos) {
  try {
    const cp = JSON.parse(readFileSync(pos, 'utf8'));
    return (cp.base?.offset ?? 0) > 0 || cp.rotated.some((r) => r.offset > 0);
  } catch {
    return false; // not written yet
  }
}

function kill(p, sig = 'SIGKILL') {
  try {
    p.child.kill(sig);
  } catch {
    // already gone
  }
}

test('follow: from a base file that does not exist yet, across rotations, gzip and its own 1.5 s stall, every line once', async (t) => {
  const dir = tempDir('cl-follow-');
  const file = join(dir, 'app.log');
  const f = follow([file, '--from-start', '--checkpoint', join(dir, 'pos.json'), '--poll-ms', '20']);
  t.teardown(() => kill(f));
  await sleep(500); // it polls a folder with no log and no lock file yet
  t.false(existsSync(file));
  t.is(f.child.exitCode, null, 'still running, waiting for the file');
  const wrote = writer(file, 3500, { compress: 'gzip' });
  await sleep(1000);
  f.child.kill('SIGSTOP');
  await sleep(1500); // the writer rotates at least once meanwhile, and compresses
  f.child.kill('SIGCONT');
  const n = await wrote;
  await until(() => numbers(f.out()).length >= n, 30_000);
  await sleep(300); // anything extra (a repeat) would show now
  kill(f, 'SIGTERM');
  t.is((await f.done).code, 0);
  const got = numbers(f.out());
  t.true(
    readdirSync(dir).some((x) => x.endsWith('.gz')),
    'rotated files were compressed',
  );
  t.true(readdirSync(dir).filter((x) => x.startsWith('app.log.')).length >= 3, 'it rotated at least 3 times');
  t.is(got.length, n, 'no line lost or repeated');
  t.deepEqual(
    [...new Set(got)].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
});

/**
 * Follows a new log from its start while a writer with `options` writes for 3 s, the follower
 * stalled (SIGSTOP) for 1.5 s of it; asserts that it printed every line once. Resolves with the folder.
 */
async function followThroughStall(t, options) {
  const dir = tempDir('cl-follow-');
  const file = join(dir, 'app.log');
  const f = follow([file, '--from-start', '--checkpoint', join(dir, 'pos.json'), '--poll-ms', '20']);
  t.teardown(() => kill(f));
  await f.started();
  const wrote = writer(file, 3000, options);
  await sleep(800);
  f.child.kill('SIGSTOP');
  await sleep(1500); // several rotations meanwhile
  f.child.kill('SIGCONT');
  const n = await wrote;
  await until(() => numbers(f.out()).length >= n, 30_000);
  await sleep(300);
  kill(f, 'SIGTERM');
  t.is((await f.done).code, 0);
  const got = numbers(f.out());
  t.is(got.length, n, 'no line lost or repeated');
  t.deepEqual(
    [...new Set(got)].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
  return dir;
}

test('follow: a timed handler with maxBytes, across its parts and its own 1.5 s stall, every line once', async (t) => {
  // Parts are renamed from the base file within each second.
  const dir = await followThroughStall(t, { maxBytes: 65536 });
  t.true(
    readdirSync(dir).filter((x) => /^app\.log\..+\.\d+$/.test(x)).length >= 3,
    'the base file was split into parts',
  );
});

test('follow: the size handler (base.1 newest, shifted at each rotation), gzip, across its own 1.5 s stall, every line once', async (t) => {
  // About 1 MB a second in files of 64 KiB: several rotations during the stall, each shifting the
  // file the follower was reading to the next number; 40 backups keep every file until it is read.
  const dir = await followThroughStall(t, { kind: 'size', maxBytes: 65536, backupCount: 40, compress: 'gzip' });
  t.true(
    readdirSync(dir).filter((x) => /^app\.log\.\d+\.gz$/.test(x)).length >= 3,
    'rotated and compressed several times',
  );
});

test('follow: SIGKILL, then a restart from the checkpoint: nothing lost, repeats only past the checkpoint', async (t) => {
  const dir = tempDir('cl-follow-');
  const file = join(dir, 'app.log');
  const pos = join(dir, 'pos.json');
  t.false(existsSync(pos), 'starts with a missing checkpoint');
  const wrote = writer(file, 3000, { compress: 'gzip' });
  const f1 = follow([file, '--from-start', '--checkpoint', pos, '--poll-ms', '20']);
  t.teardown(() => kill(f1));
  // Killed once it has printed lines across a rotation or two and saved a checkpoint.
  await f1.started();
  await sleep(1200);
  // ...and saved a checkpoint past some of them (a pass killed before its save repeats it all).
  await until(() => progressed(pos) && numbers(f1.out()).length > 0, 30_000);
  kill(f1);
  await f1.done;
  const first = numbers(f1.out());
  const saved = JSON.parse(readFileSync(pos, 'utf8'));
  t.is(saved.v, 1);
  await sleep(1000); // rotations happen while no follower runs
  const { n, second } = await resume(t, file, pos, first, wrote);
  const repeated = first.length + second.length - n;
  t.true(repeated >= 0);
  // Repeats can only be lines printed after the last checkpoint the first run saved: at most the
  // last pass's worth (each pass reads at most what was written since the previous, 20 ms apart).
  t.true(repeated < first.length, `repeated ${repeated} of ${first.length}`);
  t.log(`first run ${first.length}, second ${second.length}, written ${n}, repeated ${repeated}`);
});

test("rotation is a rename: the rotated file is the base file's inode, never a copy", async (t) => {
  const dir = tempDir();
  const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), { when: 'S', utc: true, delay: true });
  h.write('a\n', T0 + 100);
  await h.flush();
  const ino = statSync(join(dir, 'app.log')).ino;
  h.write('b\n', T0 + 1100);
  await h.close();
  t.is(statSync(join(dir, 'app.log.2025-06-15_12-00-00')).ino, ino);
  t.not(statSync(join(dir, 'app.log')).ino, ino);
});

test('compressDelay: 1 keeps the newest rotated file plain; a bad value is a ConfigError naming it', async (t) => {
  const dir = tempDir();
  const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), {
    when: 'S',
    utc: true,
    delay: true,
    compress: 'gzip',
    compressDelay: 1,
  });
  for (let s = 0; s < 4; s++) h.write(`r${s}\n`, T0 + s * 1000 + 100);
  await h.close();
  t.deepEqual(
    readdirSync(dir)
      .filter((x) => x.startsWith('app.log.'))
      .sort(),
    ['app.log.2025-06-15_12-00-00.gz', 'app.log.2025-06-15_12-00-01.gz', 'app.log.2025-06-15_12-00-02'],
  );
  const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(join(dir, 'b.log'), { compressDelay: -1 }));
  t.is(err.option, 'compressDelay');
  t.regex(err.message, /compressDelay.*-1/);
});

test('follow without --from-start prints only lines written after it started; bad arguments exit 2', async (t) => {
  const dir = tempDir('cl-follow-');
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H' });
  h.write('old-1\n');
  h.write('old-2\n');
  await h.flush();
  const f = follow([file, '--poll-ms', '20']);
  t.teardown(() => kill(f));
  await f.started();
  h.write('new-1\n');
  h.write('new-2\n');
  await h.close();
  await until(() => f.out().includes('new-2'), 30_000);
  kill(f, 'SIGTERM');
  t.is((await f.done).code, 0);
  t.is(f.out(), 'new-1\nnew-2\n');
  const bad = follow([]);
  const r = await bad.done;
  t.is(r.code, 2);
  t.regex(r.err, /BASEFILE is required/);
});

test('follow started at boot, before the application and its folder exist, no --from-start: stalled, SIGKILLed and restarted, it prints every record, repeating only past its checkpoint', async (t) => {
  const dir = tempDir('cl-follow-');
  const file = join(dir, 'logs', 'app.log'); // logs/ is made by the handler (mkdir: true)
  const pos = join(dir, 'state', 'pos.json'); // and state/ by the follower
  const f1 = follow([file, '--checkpoint', pos, '--poll-ms', '20']);
  t.teardown(() => kill(f1));
  await f1.started();
  const wrote = writer(file, 3000, { compress: 'gzip' });
  // The first records are written before the follower's next look at the new file.
  await until(() => numbers(f1.out()).length > 0, 30_000);
  f1.child.kill('SIGSTOP');
  await sleep(1500); // rotations and compression go on meanwhile
  f1.child.kill('SIGCONT');
  await sleep(300);
  kill(f1);
  const r1 = await f1.done;
  t.regex(r1.err, /logs does not exist yet; waiting for it/);
  const first = numbers(f1.out());
  t.is(first[0], 0, 'the log is read from its first line, though it appeared after the follower started');
  const { n, second } = await resume(t, file, pos, first, wrote);
  // A SIGKILL between printing and saving the checkpoint repeats that last pass, nothing earlier:
  // the repeats are exactly the second run's first lines, all among the first run's last ones.
  const repeated = first.length + second.length - n;
  const firstSet = new Set(first);
  t.deepEqual(
    second.slice(0, repeated).filter((x) => !firstSet.has(x)),
    [],
  );
  t.true(
    second.slice(repeated).every((x) => !firstSet.has(x)),
    "nothing repeated after the checkpoint's place",
  );
  t.log(`first run ${first.length}, second ${second.length}, written ${n}, repeated ${repeated}`);
});

test('follow: a log path that is a folder is an error at once; a checkpoint in a missing folder is made', async (t) => {
  const dir = tempDir('cl-follow-');
  const r = await follow([dir, '--once']).done;
  t.is(r.code, 1);
  t.is(r.err, `concurrent-log follow: ${dir} is a directory, not a log file\n`);
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H' });
  h.write('one\n');
  await h.close();
  const pos = join(dir, 'a', 'b', 'pos.json');
  const f = follow([file, '--from-start', '--checkpoint', pos, '--once']);
  const done = await f.done;
  t.is(done.code, 0, done.err);
  t.is(f.out(), 'one\n');
  t.true(existsSync(pos));
  const bad = await follow([file, '--checkpoint', dir, '--once']).done;
  t.is(bad.code, 1);
  t.regex(bad.err, /^concurrent-log follow: checkpoint .* is a directory\n$/);
});
