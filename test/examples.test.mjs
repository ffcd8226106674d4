// Runs each example as a user would and checks the files it wrote.
import test from 'ava';
import { execFile } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dirs = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'cl-examples-'));
  dirs.push(d);
  return d;
}
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function subpathsExported() {
  try {
    for (const s of ['pino', 'winston', 'log4js']) require.resolve(`concurrent-log/${s}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the examples run. With the adapter subpaths in package.json: the repository itself.
 * Until then: a scratch project whose node_modules/concurrent-log is this package (its dist) with
 * those `exports` entries added, so the examples run unchanged.
 */
let examplesDir;
function examplesHome() {
  if (examplesDir) return examplesDir;
  if (subpathsExported()) return (examplesDir = join(ROOT, 'examples'));
  const home = tmp();
  const pkgDir = join(home, 'node_modules', 'concurrent-log');
  mkdirSync(pkgDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const s of ['pino', 'winston', 'log4js']) {
    pkg.exports[`./${s}`] ??= {
      import: { types: `./dist/esm/adapters/${s}.d.ts`, default: `./dist/esm/adapters/${s}.js` },
      require: { types: `./dist/cjs/adapters/${s}.d.ts`, default: `./dist/cjs/adapters/${s}.js` },
    };
  }
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg));
  symlinkSync(join(ROOT, 'dist'), join(pkgDir, 'dist'));
  for (const dep of ['pino', 'winston', 'log4js', 'piscina'])
    symlinkSync(join(ROOT, 'node_modules', dep), join(home, 'node_modules', dep));
  mkdirSync(join(home, 'examples'));
  for (const f of readdirSync(join(ROOT, 'examples')))
    if (f.endsWith('.mjs')) copyFileSync(join(ROOT, 'examples', f), join(home, 'examples', f));
  return (examplesDir = join(home, 'examples'));
}

function runExample(name, args) {
  const file = join(examplesHome(), name);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${name} failed: ${err.message}\n${stderr}`));
      else resolve({ file, stdout, stderr });
    });
  });
}

function logLines(dir, base) {
  return readdirSync(dir)
    .filter((f) => f.startsWith(base) && !f.endsWith('.lock'))
    .flatMap((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      if (text && !text.endsWith('\n')) throw new Error(`${f} ends in a torn line`);
      return text.split('\n').slice(0, -1);
    });
}

test("seed-port.mjs: every record of every task in every process and thread, once, in the seed's format", async (t) => {
  const dir = tmp();
  const processes = 2;
  const tasks = 2;
  const lines = 150;
  const { file, stdout } = await runExample('seed-port.mjs', [
    '--dir',
    dir,
    '--processes',
    String(processes),
    '--tasks',
    String(tasks),
    '--threads',
    '2',
    '--lines',
    String(lines),
  ]);
  t.regex(stdout, /records in \d+ file/);
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(
    `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d - (\\d+)-(Thread-\\d+) - ${esc}\\[line:(\\d+)\\] - (DEBUG|INFO|WARNING|ERROR|CRITICAL): (.+)$`,
  );
  const seen = new Map();
  const pids = new Set();
  const bad = [];
  const source = readFileSync(file, 'utf8').split('\n');
  for (const line of logLines(dir, 'test.log')) {
    const m = re.exec(line);
    if (!m) {
      bad.push(line);
      continue;
    }
    pids.add(m[1]);
    t.true(source[Number(m[3]) - 1].includes('logger.debug(`debug-${i}-${j}`)'), "lineno is the task's logging line");
    seen.set(`${m[4]}:${m[5]}`, (seen.get(`${m[4]}:${m[5]}`) ?? 0) + 1);
  }
  t.deepEqual(bad, []);
  t.is(pids.size, processes);
  const prefixes = { DEBUG: 'debug', INFO: 'info', WARNING: '警告', ERROR: '报错', CRITICAL: '严重' };
  const wrong = [];
  for (let i = 0; i < processes * tasks; i++) {
    for (let j = 0; j < lines; j++) {
      for (const [level, p] of Object.entries(prefixes))
        if (seen.get(`${level}:${p}-${i}-${j}`) !== 1) wrong.push(`${level}:${p}-${i}-${j}`);
    }
  }
  t.deepEqual(wrong, [], 'each record exactly once');
  t.is(seen.size, processes * tasks * lines * 5);
});

test('pino-transport.mjs writes its 101 ndjson lines', async (t) => {
  const dir = tmp();
  await runExample('pino-transport.mjs', ['--dir', dir]);
  const lines = logLines(dir, 'app.log').map((l) => JSON.parse(l));
  t.deepEqual(
    lines.map((l) => l.msg),
    [...Array.from({ length: 100 }, (_, n) => `hello ${n}`), 'done'],
  );
});

test('winston.mjs writes its 101 json lines', async (t) => {
  const dir = tmp();
  await runExample('winston.mjs', ['--dir', dir]);
  const lines = logLines(dir, 'app.log').map((l) => JSON.parse(l));
  t.deepEqual(
    lines.map((l) => l.message),
    [...Array.from({ length: 100 }, (_, n) => `hello ${n}`), 'done'],
  );
  t.true(lines.every((l) => typeof l.timestamp === 'string'));
});

test('log4js.mjs writes its 101 pattern-layout lines', async (t) => {
  const dir = tmp();
  await runExample('log4js.mjs', ['--dir', dir]);
  const lines = logLines(dir, 'app.log');
  t.is(lines.length, 101);
  t.regex(lines[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[INFO\] example - hello 0$/);
  t.regex(lines[100], /\[WARN\] example - done$/);
});

test("log4js-file.mjs keeps log4js's file options: three gzipped app.N.log, the newest records in order", async (t) => {
  const dir = tmp();
  await runExample('log4js-file.mjs', ['--dir', dir]);
  const names = readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort();
  t.deepEqual(names, ['app.1.log.gz', 'app.2.log.gz', 'app.3.log.gz', 'app.log']);
  const text = (n) =>
    (n.endsWith('.gz') ? gunzipSync(readFileSync(join(dir, n))) : readFileSync(join(dir, n))).toString('utf8');
  const lines = ['app.3.log.gz', 'app.2.log.gz', 'app.1.log.gz', 'app.log'].flatMap((n) =>
    text(n).split('\n').slice(0, -1),
  );
  for (const n of names) t.true(Buffer.byteLength(text(n)) <= 4096, n);
  const msgs = lines.map((l) => /\] example - (.*)$/.exec(l)[1]);
  t.is(msgs.at(-1), 'done');
  const first = Number(/hello (\d+)/.exec(msgs[0])[1]);
  t.deepEqual(msgs, [...Array.from({ length: 400 - first }, (_, k) => `hello ${first + k}`), 'done']);
  t.true(first > 0, 'older records were rotated out');
});
