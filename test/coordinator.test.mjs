// One coordinator per process, whichever thread opens a file first: threads that share nothing find
// the same buffer and the same flusher; no record waits on a flusher that cannot run; a held lock
// costs waiting, never a frozen event loop or more threads.
import test from 'ava';
import { execFile, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ConcurrentTimedRotatingFileHandler, PermissionModelError, lockFilePath } from 'concurrent-log';
import { ROOT, tempDir } from './helpers/core.mjs';

const FIXTURES = join(ROOT, 'test/fixtures/coordinator');
/**
 * Flusher threads: Node 24+ names a worker's OS thread after the Worker ('concurrent-log flusher',
 * cut to 15 bytes), so they are counted by name there (a Worker's start can briefly add another of
 * Node's threads). Node 22 names none, and counting every thread counted a thread of Node's own once
 * in CI: there the threads holding the process's hub are counted, from the addon's table (the same
 * library the package loaded, so the same table): this thread and its flushers.
 */
const NAMED_THREADS = Number(process.versions.node.split('.')[0]) >= 24;
const addon = (() => {
  const load = createRequire(join(ROOT, 'package.json'))('node-gyp-build');
  try {
    return load(join(ROOT, 'native'));
  } catch {
    return load(ROOT);
  }
})();
const flushers = () =>
  NAMED_THREADS
    ? threadNames()
        .split(',')
        .filter((n) => n === 'concurrent-log').length
    : addon.hubHolders();
/** This process's threads by name, for messages. */
const threadNames = () =>
  readdirSync('/proc/self/task')
    .map((id) => {
      try {
        return readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim();
      } catch {
        return '?';
      }
    })
    .sort()
    .join(',');
const linesOf = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a fixture of fixtures/coordinator in a child process: resolves with its last stdout line, a JSON
 * object, and its stderr. `timeout`: killed after it (a fixture whose flusher is held in a rotator
 * would otherwise outlive the test).
 */
function runFixture(name, args, { execArgv = [], env = process.env, timeout = 0 } = {}) {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [...execArgv, join(FIXTURES, name), ...args],
      { env, timeout, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve({ ...JSON.parse(stdout.trim().split('\n').at(-1)), stderr });
      },
    ),
  );
}

/** Runs workers.mjs in a child process; resolves with its JSON line. */
function workers(cfg, { execArgv = [] } = {}) {
  return runFixture('workers.mjs', [JSON.stringify(cfg)], { execArgv });
}

/**
 * The same workers importing the package without opening anything, then opening: the cost of opening.
 * At most 2 threads (the one flusher), asserted; RSS logged against a budget of 64 MiB plus what each worker's own first handler costs it
 * (its code and objects: measured at about 0.9 MiB a thread) and each further handler (its objects
 * and channel: about 0.2 MiB on Node 24). A second buffer costs 4 MiB, a second flusher a thread.
 */
async function overhead(t, cfg) {
  const base = await workers({ ...cfg, dir: tempDir(), mode: 'import' });
  const run = await workers({ ...cfg, mode: 'open' });
  t.log(
    `${cfg.workers} workers x ${cfg.files} file(s): ${base.threads} -> ${run.threads} threads, ${base.rssMiB.toFixed(0)} -> ${run.rssMiB.toFixed(0)} MiB`,
  );
  t.true(run.threads <= base.threads + 2, `${run.threads} threads against ${base.threads}`);
  // RSS is a figure here, not a bound: two runs of the same 100 workers differed by up to 360 MiB on
  // Node 26 in CI (the baseline alone: 1,133 and 1,493 MiB), so a bound failed on noise. The issue
  // asks for bounds where stable and figures otherwise; bench:files reports it, side by side.
  const allowance = 64 + cfg.workers * 1 + cfg.workers * (cfg.files - 1) * 0.2;
  t.log(
    `RSS ${(run.rssMiB - base.rssMiB).toFixed(0)} MiB over the baseline (the issue's budget: ${allowance.toFixed(0)})`,
  );
  return run;
}

test.serial(
  '100 workers opening one file, in a process whose main thread never loads the package, share one buffer and one flusher',
  async (t) => {
    const dir = tempDir();
    const run = await overhead(t, { dir, workers: 100, files: 1, per: 20, main: 'none', end: 'close', settleMs: 500 });
    // Each worker's handler saw every worker's records in its buffer: there is one buffer.
    t.deepEqual(
      run.shared.map((r) => r.accepted[0][1]),
      Array(100).fill(2000),
    );
    t.is(linesOf(join(dir, 'f0', 'app.log')).length, 2000);
  },
);

test.serial(
  '50 files opened only from workers, each worker opening them in another order, share one buffer each and one flusher',
  async (t) => {
    const dir = tempDir();
    const run = await overhead(t, { dir, workers: 10, files: 50, per: 10, main: 'none', end: 'close', settleMs: 500 });
    for (const r of run.shared)
      t.deepEqual(
        r.accepted.map(([, n]) => n),
        Array(50).fill(100),
      );
    for (let k = 0; k < 50; k++) t.is(linesOf(join(dir, `f${k}`, 'app.log')).length, 100, `file ${k}`);
  },
);

/**
 * Runs a fixture whose workers play roles (fixtures/coordinator/roles.mjs) on `dir`/app.log, with a
 * markers folder for its flusher's rotator; resolves with its JSON line. Killed if it outlives the
 * test: a flusher that never reached the rotator would leave it waiting.
 */
async function roleFixture(name, dir, ...args) {
  const markers = join(dir, 'markers');
  mkdirSync(markers);
  const { stderr: _, ...out } = await runFixture(name, [join(dir, 'app.log'), markers, ...args], { timeout: 90_000 });
  return out;
}

test.serial(
  'handlers made one after another while the flusher boots (3 s) do not wait for it: 20 files opened at once, each record written once',
  async (t) => {
    const dir = tempDir();
    const out = await runFixture('slow-boot.mjs', [dir, '20', '50'], {
      execArgv: ['--import', pathToFileURL(join(FIXTURES, 'slow-boot.mjs')).href],
      env: { ...process.env, CL_BOOTED: join(dir, 'booted') },
      timeout: 90_000,
    });
    // A file no thread had made a buffer for is made at once: the constructors never asked the
    // booting flusher (they used to wait for it to listen, the whole boot, from the second file on).
    t.false(out.bootedBeforeLastOpen);
    for (let k = 0; k < 20; k++) {
      const lines = linesOf(join(dir, `f${k}.log`));
      t.is(lines.length, 50);
      t.is(new Set(lines).size, 50);
    }
  },
);

test.serial(
  'a worker opening a log while the flusher is busy past its heartbeat (4.5 s in a rotator) joins the same buffer, not a second one',
  async (t) => {
    const dir = tempDir();
    const out = await roleFixture('busy-flusher.mjs', dir);
    // One buffer: each handler counts the records both put in it.
    t.deepEqual(out, { first: 11, second: 11 });
  },
);

for (const end of ['terminate', 'exit']) {
  test.serial(
    `workers only: ${end === 'exit' ? 'process.exit() in the main thread' : 'each worker terminated'} the moment write() returned loses no accepted record`,
    async (t) => {
      const dir = tempDir();
      const run = await workers({ dir, workers: 4, files: 1, per: 500, mode: 'open', main: 'import', end });
      t.is(run.reports.length, 4);
      const lines = linesOf(join(dir, 'f0', 'app.log'));
      t.is(lines.length, 2000);
      t.is(new Set(lines).size, 2000);
    },
  );
}

test.serial(
  'a worker terminated the moment write() returned loses nothing while other workers hold the file, the main thread never loading the package',
  async (t) => {
    const dir = tempDir();
    // The first worker to be ready most likely started the flusher, which dies with it.
    const run = await workers({
      dir,
      workers: 4,
      files: 1,
      per: 500,
      mode: 'open',
      main: 'none',
      end: 'terminate-first',
    });
    t.is(run.reports.length, 4);
    t.is(new Set(linesOf(join(dir, 'f0', 'app.log'))).size, 2500);
  },
);

// The drain lock's stale time (control.ts DRAIN_STALE_MS): how long a holder whose end nobody saw
// used to hold every other thread's records. Half of it is the bound, for a loaded machine.
const DRAIN_STALE_MS = 15_000;

test.serial(
  "a worker that started the flusher ends while the flusher is mid-rotation: another worker's records are written at once, not after the drain lock goes stale",
  async (t) => {
    const dir = tempDir();
    const run = await roleFixture('starter-ends.mjs', dir, '200');
    t.log(`the second worker's flush() took ${run.flushMs} ms after the starter ended`);
    t.deepEqual(run.errors, []);
    t.true(run.flushMs < DRAIN_STALE_MS / 2, `${run.flushMs} ms`);
    const lines = readdirSync(dir)
      .filter((f) => f.startsWith('app.log'))
      .flatMap((f) => linesOf(join(dir, f)));
    t.is(lines.length, 201);
    t.is(new Set(lines).size, 201);
    t.true(lines.includes('starter record'));
  },
);

// How long a thread asks for a file's buffer before making one (process/registry.ts FILE_ASK_MS).
const FILE_ASK_MS = 3000;

test.serial(
  'a handler made in the main thread, with and without workers holding the file, never waits for an answer from itself',
  async (t) => {
    const dir = tempDir();
    const script = `
      import { Worker } from 'node:worker_threads';
      import { LogFile } from ${JSON.stringify(join(ROOT, 'dist/bundle/index.js'))};
      const timed = (name) => { const t0 = Date.now(); const h = new LogFile(${JSON.stringify(dir)} + '/' + name, { when: 'H' }); return [h, Date.now() - t0]; };
      const [a, first] = timed('a.log');
      // A worker opens another file; then the main thread opens a third, and the worker's.
      const w = new Worker(\`import { LogFile } from ${JSON.stringify(join(ROOT, 'dist/bundle/index.js'))};
        import { parentPort } from 'node:worker_threads';
        const h = new LogFile(${JSON.stringify(dir)} + '/b.log', { when: 'H' });
        parentPort.postMessage('open'); parentPort.once('message', async () => { await h.close(); parentPort.close(); });\`, { eval: true });
      await new Promise((r) => w.once('message', r));
      const [c, third] = timed('c.log');
      const [b, fourth] = timed('b.log');
      for (const h of [a, b, c]) await h.close();
      w.postMessage('close');
      console.log(JSON.stringify([first, third, fourth]));
    `;
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const ms = JSON.parse(out);
    t.log(`constructors took ${ms.join(', ')} ms`);
    for (const m of ms) t.true(m < FILE_ASK_MS, `${m} ms`);
  },
);

const SCRIPT = (file, n) => `
  import { ConcurrentTimedRotatingFileHandler } from ${JSON.stringify(join(ROOT, 'dist/bundle/index.js'))};
  const h = new ConcurrentTimedRotatingFileHandler(${JSON.stringify(file)}, { when: 'H' });
  h.on('error', (e) => console.error('reported:', e.message));
  for (let i = 0; i < ${n}; i++) h.write('r' + i + '\\n');
  console.log('written');
  setInterval(() => {}, 1000);
`;

/** Starts `node ...args`, waits for 'written', then for every record on disk (or `ms`); kills it. */
async function recordsOnDiskWithoutClose(args, file, n, ms) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('written') && resolve());
    child.on('close', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const started = Date.now();
  while (linesOf(file).length < n && Date.now() - started < ms) await sleep(20);
  const seen = linesOf(file).length;
  child.kill('SIGTERM');
  return { seen, ms: Date.now() - started, stderr };
}

test.serial(
  'node --input-type=module -e: the flusher starts, and records reach the disk without close()',
  async (t) => {
    const file = join(tempDir(), 'app.log');
    const r = await recordsOnDiskWithoutClose(['--input-type=module', '-e', SCRIPT(file, 100)], file, 100, 5000);
    t.is(r.seen, 100, r.stderr);
    t.notRegex(r.stderr, /reported:/);
  },
);

test.serial(
  'a flusher that dies at start leaves no record waiting: the writing thread writes them itself',
  async (t) => {
    const dir = tempDir();
    const file = join(dir, 'app.log');
    // Preloaded in every thread (workers inherit --require); throws in the flusher thread only.
    const preload = join(dir, 'no-flusher.cjs');
    writeFileSync(
      preload,
      `const wt = require('node:worker_threads'); if (!wt.isMainThread && wt.workerData && wt.workerData.hub) throw new Error('no flusher here');`,
    );
    const script = join(dir, 'writer.mjs');
    writeFileSync(script, SCRIPT(file, 100));
    const r = await recordsOnDiskWithoutClose(['--require', preload, script], file, 100, 5000);
    t.is(r.seen, 100, r.stderr);
    t.true(r.ms < 2000, `${r.ms} ms`);
    // The flusher's death is reported, not swallowed.
    t.regex(r.stderr, /reported: no flusher here/);
  },
);

const PERMISSION = process.versions.node.split('.')[0] === '20' ? '--experimental-permission' : '--permission';
const construct = (file) => `
  import { ConcurrentTimedRotatingFileHandler } from ${JSON.stringify(join(ROOT, 'dist/bundle/index.js'))};
  try { new ConcurrentTimedRotatingFileHandler(${JSON.stringify(file)}); console.log('constructed'); }
  catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, flag: e.flag, message: e.message })); }
`;
function underPermissions(flags, file) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PERMISSION, '--allow-fs-read=*', '--allow-fs-write=*', ...flags, '--input-type=module', '-e', construct(file)],
      (err, stdout, stderr) => resolve({ stdout: stdout.trim(), stderr }),
    );
  });
}

test.serial(
  'under the permission model, a handler is refused at construction with the flag to add: --allow-worker, then --allow-addons',
  async (t) => {
    const file = join(tempDir(), 'app.log');
    const noWorker = await underPermissions(['--allow-addons'], file);
    t.like(JSON.parse(noWorker.stdout), {
      name: 'PermissionModelError',
      code: 'ERR_CONCURRENT_LOG_PERMISSION',
      flag: '--allow-worker',
    });
    t.regex(JSON.parse(noWorker.stdout).message, /run node with --allow-worker/);
    const noAddon = await underPermissions(['--allow-worker'], file);
    t.like(JSON.parse(noAddon.stdout), { name: 'PermissionModelError', flag: '--allow-addons' });
    const both = await underPermissions(['--allow-worker', '--allow-addons'], file);
    t.is(both.stdout, 'constructed', both.stderr);
    t.true(PermissionModelError.prototype instanceof Error);
  },
);

test.serial(
  'another process holding the file lock for 8 s costs waiting: no event loop stops, no second flusher starts, flush() resolves after it',
  async (t) => {
    const dir = tempDir();
    const file = join(dir, 'app.log');
    const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'H' });
    h.write('before\n');
    await h.flush();
    // flush() may resolve before the flusher has booted (this thread writes meanwhile): wait for it
    // (on Node 22 it counts once it holds the hub, beside this thread).
    for (const until = Date.now() + 10_000; flushers() < (NAMED_THREADS ? 1 : 2) && Date.now() < until;)
      await sleep(20);
    const settled = flushers();
    const namesBefore = threadNames();
    let namesAtMost = namesBefore;
    const holder = fork(join(FIXTURES, 'hold-lock.mjs'), [lockFilePath(file), '8000'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const holderExit = new Promise((r) => holder.once('exit', r));
    await new Promise((r) => holder.once('message', r));
    const started = Date.now();
    for (let i = 0; i < 100; i++) h.write(`held ${i}\n`);
    let longestGap = 0;
    let most = settled;
    let last = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      const n = flushers();
      if (n > most) [most, namesAtMost] = [n, threadNames()];
    }, 20);
    // Idle first, past the flusher's staleness (3 s): it must still be taken to be alive.
    await sleep(4500);
    await h.flush();
    const waited = Date.now() - started;
    clearInterval(ticker);
    // A loop frozen until flush() resolved never ticked again: the gap up to now counts too.
    longestGap = Math.max(longestGap, Date.now() - last);
    await holderExit;
    t.true(waited >= 7000, `flush() resolved after ${waited} ms, while the lock was held`);
    t.true(longestGap < 1000, `the event loop stopped for ${longestGap} ms`);
    t.true(most <= settled, `${most} threads while waiting (${namesAtMost}), ${settled} before (${namesBefore})`);
    if (NAMED_THREADS) t.is(settled, 1, namesBefore);
    t.is(linesOf(file).length, 101);
    await h.close();
  },
);
