// Trust nothing on disk (issue 18): a lock file or rotated name planted by another user, a link, a
// folder where a file should be, a state that is not ours, hostile record times and clocks, too
// few descriptors, two containers with the same pid. Each is refused (with a named error) or
// survived; nothing is followed, nothing accepted is lost silently. Real files, real processes;
// where a non-root user matters the child runs as `nobody` in a 1777 folder.
import test from 'ava';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { ConcurrentTimedRotatingFileHandler, ConcurrentRotatingFileHandler } from 'concurrent-log';
import { ROOT, tempDir, lockOf, lines, reported } from './helpers/core.mjs';

const FIXTURES = join(ROOT, 'test/fixtures/security');
const NOBODY = 65534;
const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);

/** A folder anyone may write to, as /tmp is (sticky, 1777). */
function sharedDir() {
  const dir = tempDir('cl-sec-');
  chmodSync(dir, 0o1777);
  return dir;
}

/** A root-only file outside the log's folder, the target a planted link points at. */
function secret(dir, text = 'root-only secret\n') {
  const path = join(dir, 'secret');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function open(file, options = {}, Handler = ConcurrentTimedRotatingFileHandler) {
  const errors = [];
  const h = new Handler(file, { delay: true, onError: (e) => errors.push(e), ...options });
  return { h, errors };
}

/**
 * Runs `node fixture args` and resolves with the JSON line it prints: through `sh -c prefix` if
 * given (a umask, a ulimit), under the command `via` if given (unshare), as `uid` if given.
 */
/**
 * Another user runs node and the fixtures: every folder on the way to them must let others through
 * (a clone in a `mktemp -d` folder does not). Says so plainly rather than failing with a spawn EACCES.
 */
function reachableByOthers(...paths) {
  for (const path of paths) {
    for (let d = path; ; d = dirname(d)) {
      if ((statSync(d).mode & 0o001) === 0) {
        throw new Error(
          `the tests that run as another user need ${d} to be open to others (chmod o+x ${d}): it holds ${path}`,
        );
      }
      if (dirname(d) === d) break;
    }
  }
}

function child(fixture, args, { uid, prefix, via = [], timeout = 20_000 } = {}) {
  if (uid !== undefined) reachableByOthers(dirname(process.execPath), ROOT);
  const argv = [...via, process.execPath, join(FIXTURES, fixture), ...args];
  const [cmd, cmdArgs] = prefix ? ['sh', ['-c', `${prefix} exec "$@"`, 'sh', ...argv]] : [argv[0], argv.slice(1)];
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, cmdArgs, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout,
      killSignal: 'SIGKILL',
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code, signal) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`${fixture} exited ${code ?? signal}: ${err}`));
      else resolve(JSON.parse(line));
    });
  });
}

const unsafe = (e) => e.code === 'ERR_CONCURRENT_LOG_UNSAFE_FILE';

// ---- The lock file -------------------------------------------------------------------------------

test('a lock file planted as a link to another file is refused, never written: the target keeps its content', async (t) => {
  const dir = sharedDir();
  const file = join(dir, 'app.log');
  const target = secret(tempDir());
  symlinkSync(target, lockOf(file));
  const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(file, { when: 'S' }));
  t.is(err.name, 'UnsafeFileError');
  t.is(err.code, 'ERR_CONCURRENT_LOG_UNSAFE_FILE');
  t.is(err.reason, 'symlink');
  t.is(err.path, lockOf(file));
  // With delay, records wait (reported) until the link is gone, then are written.
  const { h, errors } = open(file, { when: 'S', utc: true });
  for (let i = 0; i < 50; i++) t.true(h.write(`r${i}\n`));
  await t.throwsAsync(h.flush(), { code: 'ERR_CONCURRENT_LOG_UNSAFE_FILE' });
  await reported(errors, unsafe);
  t.is(readFileSync(target, 'utf8'), 'root-only secret\n');
  rmSync(lockOf(file));
  await h.close();
  t.is(lines(file).length, 50);
  t.is(h.dropped, 0);
  t.is(readFileSync(target, 'utf8'), 'root-only secret\n');
});

test('a lock file swapped for a link mid-run is refused at the next batch; the target is never written', async (t) => {
  const dir = sharedDir();
  const file = join(dir, 'app.log');
  const target = secret(tempDir());
  const { h, errors } = open(file, { when: 'S', utc: true });
  h.write('before\n');
  await h.flush();
  rmSync(lockOf(file));
  symlinkSync(target, lockOf(file));
  h.write('during\n');
  await t.throwsAsync(h.flush(), { code: 'ERR_CONCURRENT_LOG_UNSAFE_FILE' });
  await reported(errors, (e) => unsafe(e) && e.reason === 'symlink');
  t.is(readFileSync(target, 'utf8'), 'root-only secret\n');
  rmSync(lockOf(file));
  await h.close();
  // The new lock file has no state: the base file of an earlier second is rotated first, as at a restart.
  const all = readdirSync(dir)
    .filter((f) => f.startsWith('app.log'))
    .flatMap((f) => lines(join(dir, f)));
  t.deepEqual(all.sort(), ['before', 'during']);
});

test('a lock file that is a link to the log itself, or a hard link to it, never overwrites the log', async (t) => {
  for (const link of [symlinkSync, linkSync]) {
    const dir = sharedDir();
    const file = join(dir, 'app.log');
    writeFileSync(file, 'kept 1\nkept 2\n');
    link(file, lockOf(file));
    // By the hour: the base file's own mtime starts its period, and on a slow machine a second
    // could pass before the records are written, rotating the kept lines away (as CPython would).
    const { h, errors } = open(file, { when: 'H', utc: true });
    for (let i = 0; i < 100; i++) h.write(`r${i}\n`);
    await t.throwsAsync(h.flush(), { code: 'ERR_CONCURRENT_LOG_UNSAFE_FILE' });
    t.is((await reported(errors, unsafe)).reason, link === symlinkSync ? 'symlink' : 'hard-linked');
    t.is(readFileSync(file, 'utf8'), 'kept 1\nkept 2\n');
    rmSync(lockOf(file));
    await h.close();
    t.deepEqual(lines(file), ['kept 1', 'kept 2', ...Array.from({ length: 100 }, (_, i) => `r${i}`)]);
  }
});

test("another user's lock file, with a state naming a file of the attacker's choice, is refused: that file is never appended to, gzipped or deleted", async (t) => {
  const dir = sharedDir();
  const file = join(dir, 'app.log');
  const victim = join(tempDir(), 'victim');
  writeFileSync(victim, 'victim\n', { mode: 0o600 });
  const state = {
    v: 1,
    rolloverAt: T0 / 1000 + 1,
    start: T0 / 1000,
    gen: 0,
    history: [[0, T0 / 1000, victim]],
    compress: [victim],
  };
  writeFileSync(lockOf(file), JSON.stringify(state));
  chownSync(lockOf(file), NOBODY, NOBODY);
  const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(file, { when: 'S', compress: 'gzip' }));
  t.is(err.code, 'ERR_CONCURRENT_LOG_UNSAFE_FILE');
  t.is(err.reason, `owned by uid ${NOBODY}`);
  const { h, errors } = open(file, { when: 'S', utc: true, compress: 'gzip' });
  h.write('late\n', T0 - 10_000);
  await t.throwsAsync(h.flush());
  await reported(errors, unsafe);
  await h.close();
  t.is(readFileSync(victim, 'utf8'), 'victim\n');
  t.false(existsSync(`${victim}.gz`));
});

test('a state of our own naming files outside this log is reported and those entries are ignored', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const victim = join(tempDir(), 'victim');
  writeFileSync(victim, 'victim\n');
  const other = join(dir, 'other.log.2025-06-15_11-59-00');
  writeFileSync(other, 'other log\n');
  const state = {
    v: 1,
    rolloverAt: T0 / 1000 + 1,
    start: T0 / 1000,
    gen: 0,
    history: [[0, T0 / 1000, victim]],
    compress: [other, victim],
  };
  writeFileSync(lockOf(file), JSON.stringify(state));
  const { h, errors } = open(file, { when: 'S', utc: true, compress: 'gzip', clock: () => T0 });
  h.write('late\n', T0 - 10_000);
  await h.flush();
  await reported(errors, (e) => e.code === 'ERR_CONCURRENT_LOG_STATE' && e.message.includes(other));
  await h.close();
  const reports = errors.filter((e) => e.code === 'ERR_CONCURRENT_LOG_STATE');
  t.deepEqual(
    reports.map((e) => e.reason),
    ['foreign path', 'foreign path'],
  );
  t.regex(reports.map((e) => e.message).join(), new RegExp(`${victim}.*${other}|${other}.*${victim}`));
  t.is(readFileSync(victim, 'utf8'), 'victim\n');
  t.is(readFileSync(other, 'utf8'), 'other log\n');
  t.false(existsSync(`${other}.gz`));
  t.deepEqual(lines(join(dir, 'app.log.2025-06-15_11-59-50')), ['late']);
});

test("the lock file takes the handler's mode whatever the umask, never writable by others", async (t) => {
  for (const [mode, expected] of [
    [0o640, 0o640],
    [undefined, 0o644],
    [0o666, 0o644],
  ]) {
    const dir = sharedDir();
    const file = join(dir, 'app.log');
    const out = await child('writer.mjs', [JSON.stringify({ file, options: { when: 'S', mode }, n: 3 })], {
      prefix: 'umask 000;',
    });
    t.deepEqual(out.errors, []);
    t.is(statSync(lockOf(file)).mode & 0o777, expected, `mode ${mode?.toString(8)}`);
  }
});

// ---- Rotated names -------------------------------------------------------------------------------

test('a future rotated name planted as a link is not written through: rotation takes the next free name', async (t) => {
  const dir = sharedDir();
  const file = join(dir, 'app.log');
  const outside = join(tempDir(), 'outside');
  writeFileSync(outside, '');
  const planted = join(dir, 'app.log.2025-06-15_12-00-00');
  symlinkSync(outside, planted);
  const { h, errors } = open(file, { when: 'S', utc: true });
  for (let i = 0; i < 1000; i++) h.write(`a${i}\n`, T0 + 100);
  for (let i = 0; i < 1000; i++) h.write(`b${i}\n`, T0 + 1100);
  h.write('late\n', T0 + 200);
  await h.flush();
  await reported(errors, unsafe);
  await h.close();
  t.is(readFileSync(outside, 'utf8'), '');
  t.true(lstatSync(planted).isSymbolicLink());
  const err = errors.find(unsafe);
  t.is(err.path, planted);
  t.is(err.instead, `${planted}.1`);
  t.is(lines(`${planted}.1`).length, 1001);
  t.is(lines(file).length, 1000);
});

test('a .gz name planted as a link to a root-only file: its content never reaches a new .gz', async (t) => {
  const dir = sharedDir();
  const file = join(dir, 'app.log');
  const target = secret(tempDir(), 'ROOT ONLY CONTENT\n');
  symlinkSync(target, join(dir, 'app.log.2025-06-15_12-00-00.gz'));
  const { h, errors } = open(file, { when: 'S', utc: true, compress: 'gzip' });
  h.write('one\n', T0 + 100);
  h.write('two\n', T0 + 1100);
  await h.flush();
  await reported(errors, unsafe);
  await h.close();
  t.is(readFileSync(target, 'utf8'), 'ROOT ONLY CONTENT\n');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.gz'))) {
    const path = join(dir, name);
    if (lstatSync(path).isSymbolicLink()) continue;
    t.false(gunzipSync(readFileSync(path)).toString().includes('ROOT ONLY'), name);
  }
  t.deepEqual(gunzipSync(readFileSync(join(dir, 'app.log.2025-06-15_12-00-00.1.gz'))).toString(), 'one\n');
});

test('a folder at the next rotated name: the log carries on under the next free name, every record kept; backupCount leaves the folder', async (t) => {
  for (const backupCount of [0, 2]) {
    const dir = sharedDir();
    const file = join(dir, 'app.log');
    const folder = join(dir, 'app.log.2025-06-15_12-00-01');
    mkdirSync(folder);
    const { h, errors } = open(file, { when: 'S', utc: true, backupCount });
    let n = 0;
    for (let s = 0; s < 6; s++) for (let i = 0; i < 530; i++, n++) h.write(`s${s} ${i}\n`, T0 + s * 1000 + 100);
    await h.flush();
    const err = await reported(errors, (e) => unsafe(e) && e.path === folder);
    t.is(err.reason, 'not a regular file');
    await h.close();
    t.is(n, 3180);
    t.is(h.dropped, 0);
    t.true(statSync(folder).isDirectory());
    t.deepEqual(
      lines(file),
      Array.from({ length: 530 }, (_, i) => `s5 ${i}`),
    );
    const kept = readdirSync(dir).filter((f) => f.startsWith('app.log') && statSync(join(dir, f)).isFile());
    const all = kept.flatMap((f) => lines(join(dir, f)));
    if (backupCount === 0) {
      t.is(all.length, 3180, kept.join(' '));
      t.is(new Set(all).size, 3180);
      t.deepEqual(
        lines(`${folder}.1`),
        Array.from({ length: 530 }, (_, i) => `s1 ${i}`),
      );
    } else {
      // The newest two rotated files and the base file: the last three seconds.
      t.is(all.length, 3 * 530, kept.join(' '));
    }
  }
});

test('a folder at base.1 of a size-rotated log: reported, and the log carries on in the base file', async (t) => {
  const dir = sharedDir();
  const file = join(dir, 'app.log');
  mkdirSync(join(dir, 'app.log.1'));
  const { h, errors } = open(file, { maxBytes: 1000, backupCount: 3 }, ConcurrentRotatingFileHandler);
  for (let i = 0; i < 500; i++) h.write(`record ${String(i).padStart(4, '0')}\n`);
  await h.flush();
  await reported(errors, unsafe);
  await h.close();
  t.is(h.dropped, 0);
  t.is(errors.filter(unsafe).length, 1);
  t.is(lines(file).length, 500);
});

// ---- Construction, as CPython --------------------------------------------------------------------

test('as a user who may not write the folder: delay false throws at construction (as CPython); delay true counts every lost record', async (t) => {
  const dir = sharedDir();
  const ro = join(dir, 'ro');
  mkdirSync(ro, { mode: 0o755 });
  const file = join(ro, 'app.log');
  const eager = await child('writer.mjs', [JSON.stringify({ file, options: { when: 'S' }, n: 10 })], { uid: NOBODY });
  t.is(eager.uid, NOBODY);
  t.is(eager.threw?.name, 'LogFileError');
  t.is(eager.threw?.code, 'EACCES');
  t.is(eager.threw?.path, file);
  const delayed = await child('writer.mjs', [JSON.stringify({ file, options: { when: 'S', delay: true }, n: 1000 })], {
    uid: NOBODY,
  });
  t.is(delayed.accepted, 1000);
  t.is(delayed.dropped, 1000);
  t.true(delayed.errors.some((e) => e.code === 'EACCES'));
  t.true(delayed.errors.some((e) => e.code === 'ERR_CONCURRENT_LOG_DROPPED'));
  t.false(existsSync(file));
});

// ---- Hostile times -------------------------------------------------------------------------------

test("write(line, 1e19) with when 'S' is written under the current time, reported, and close() returns", async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const out = await child('writer.mjs', [JSON.stringify({ file, options: { when: 'S' }, n: 1, time: 1e19 })], {
    timeout: 15_000,
  });
  t.is(out.accepted, 1);
  t.is(out.errors.length, 1);
  t.is(out.errors[0].code, 'ERR_CONCURRENT_LOG_TIME');
  t.deepEqual(lines(file), ['r 0']);
});

test('a record stamped far in the future does not freeze the base file: later records still rotate and backupCount works', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  let now = T0;
  const { h, errors } = open(file, { when: 'S', utc: true, backupCount: 2, clock: () => now });
  h.write('future\n', T0 + 10 * 86_400_000);
  h.write('pre-1970\n', -5);
  for (let s = 1; s <= 5; s++) {
    now = T0 + s * 1000;
    h.write(`s${s}\n`);
  }
  await h.close();
  t.deepEqual(
    errors.map((e) => e.code),
    ['ERR_CONCURRENT_LOG_TIME', 'ERR_CONCURRENT_LOG_TIME'],
  );
  t.deepEqual(
    errors.map((e) => e.value),
    [T0 + 10 * 86_400_000, -5],
  );
  t.deepEqual(lines(file), ['s5']);
  t.deepEqual(
    readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .sort(),
    ['app.log', 'app.log.2025-06-15_12-00-03', 'app.log.2025-06-15_12-00-04'],
  );
});

test('a clock that throws or returns NaN is reported and replaced: write() never throws, no file is named NaN', async (t) => {
  for (const clock of [
    () => {
      throw new Error('clock broke');
    },
    () => NaN,
    () => 'soon',
  ]) {
    const dir = tempDir();
    const file = join(dir, 'app.log');
    const { h, errors } = open(file, { when: 'S', utc: true, clock });
    for (let i = 0; i < 10; i++) t.true(h.write(`r${i}\n`));
    await h.close();
    // Reported at 1, 2, 4 and 8 refusals.
    t.deepEqual(
      errors.map((e) => [e.code, e.occurrences]),
      [1, 2, 4, 8].map((n) => ['ERR_CONCURRENT_LOG_TIME', n]),
    );
    const all = readdirSync(dir).filter((f) => !f.startsWith('.'));
    t.false(
      all.some((f) => f.includes('NaN')),
      all.join(' '),
    );
    t.is(
      all.reduce((n, f) => n + lines(join(dir, f)).length, 0),
      10,
    );
  }
});

// ---- Descriptors, containers, state --------------------------------------------------------------

test('600 handlers under ulimit -n 1024: every accepted record is on disk or counted in dropped, and the fault is reported', async (t) => {
  const dir = tempDir();
  const out = await child('many.mjs', [dir, '600', '2000', 'nodelay'], { prefix: 'ulimit -n 1024;', timeout: 60_000 });
  const written = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + lines(join(dir, f)).length, 0);
  t.is(written + out.dropped, out.accepted, JSON.stringify(out));
  t.true(
    Object.keys(out.codes).some((c) => c.includes('EMFILE')),
    JSON.stringify(out.codes),
  );
  if (out.dropped > 0) t.true(out.codes.ERR_CONCURRENT_LOG_DROPPED > 0);
});

test('two containers, both pid 1, with different schedules: the second is told of the first (ScheduleConflictError)', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const container = (when, ms, n) =>
    child('writer.mjs', [JSON.stringify({ file, options: { when, utc: true }, n, ms, every: 100 })], {
      via: ['unshare', '--pid', '--fork', '--mount-proc'],
    });
  // The first writes long enough to be live when the second joins: starting a container's node took
  // over 3 s once on a loaded machine, and the first had ended, rightly leaving no conflict to report.
  const first = container('S', 8000, 5);
  // The second starts once the first has joined the state (under load a process may take a while to start).
  while (!(existsSync(lockOf(file)) && readFileSync(lockOf(file), 'utf8').includes('"writers"')))
    await new Promise((r) => setTimeout(r, 20));
  const second = await container('M', 300, 5);
  const a = await first;
  t.is(a.pid, 1);
  t.is(second.pid, 1);
  t.deepEqual(a.errors, []);
  const conflict = second.errors.find((e) => e.code === 'ERR_CONCURRENT_LOG_SCHEDULE');
  t.truthy(conflict, JSON.stringify(second.errors));
});

test('an unreadable or future-version state is reported once, then rebuilt', async (t) => {
  for (const [text, reason] of [
    ['{"v":1,"rolloverAt":', 'unreadable'],
    ['{"v":99,"rolloverAt":1,"format":"next"}', 'version'],
    ['{"v":1,"rolloverAt":1e19,"start":0,"gen":0,"history":[]}', 'unreadable'],
  ]) {
    const dir = tempDir();
    const file = join(dir, 'app.log');
    writeFileSync(lockOf(file), text);
    const { h, errors } = open(file, { when: 'S', utc: true });
    for (let i = 0; i < 5; i++) {
      h.write(`r${i}\n`);
      await h.flush();
    }
    await reported(errors, (e) => e.code === 'ERR_CONCURRENT_LOG_STATE');
    await h.close();
    t.deepEqual(
      errors.map((e) => [e.name, e.code, e.reason]),
      [['StateError', 'ERR_CONCURRENT_LOG_STATE', reason]],
      text,
    );
    t.is(
      readdirSync(dir)
        .filter((f) => f.startsWith('app.log'))
        .flatMap((f) => lines(join(dir, f))).length,
      5,
    );
    t.is(JSON.parse(readFileSync(lockOf(file), 'utf8')).v, 1);
  }
});
