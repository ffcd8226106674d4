// Our verifier (src/verify.ts and `concurrent-log verify`) must agree with the independent
// verify.py (../shared/stress, vendored in test/fixtures/shared) on the same files: the same counts, the same table, the same exit code.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERIFY_PY } from './helpers/core.mjs';
import { ensureTool } from './helpers/tools.mjs';
import { verifyRun } from 'concurrent-log/tools';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin/concurrent-log.mjs');

const LEVELS = ['debug', 'info', '警告', '报错', '严重'];
const NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

const scratch = mkdtempSync(join(tmpdir(), 'cl-verify-test-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

/** A folder with `files` ({ name: string | Buffer | string[] }); returns its base file path. */
function craft(files, base = 'app.log') {
  const d = join(scratch, `case-${dirs++}`);
  mkdirSync(d);
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(join(d, name), Array.isArray(body) ? body.join('') : body);
  }
  return join(d, base);
}

/** The seed's text line for (level index, task, i) at local time `stamp` ('YYYY-MM-DD HH:MM:SS'). */
const text = (stamp, k, task, i, ms = ',123') =>
  `${stamp}${ms} - 4242-ThreadPoolExecutor-0_3 - /work/stress.py[line:27] - ${NAMES[k]}: ${LEVELS[k]}-${task}-${i}\n`;

/** Every record of tasks x n, stamped `stamp`, except those `skip(k, task, i)` rejects. */
function records(tasks, n, stamp, skip = () => false) {
  const out = [];
  for (let task = 0; task < tasks; task++)
    for (let i = 0; i < n; i++) for (let k = 0; k < 5; k++) if (!skip(k, task, i)) out.push(text(stamp, k, task, i));
  return out;
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs verify.py and ours (CLI and library) on the same files and checks they agree. */
async function agree(t, base, flags = [], env = {}) {
  ensureTool('python3');
  const py = run('python3', [VERIFY_PY, base, ...flags], env);
  t.true(py.code === 0 || py.code === 1, `verify.py failed: ${py.stderr}`);
  const ours = run(process.execPath, [BIN, 'verify', base, ...flags], env);
  t.is(ours.stderr, '');
  t.is(ours.stdout, py.stdout, 'readable output differs from verify.py');
  t.is(ours.code, py.code);
  const pyJson = run('python3', [VERIFY_PY, base, '--json', ...flags], env);
  const ourJson = run(process.execPath, [BIN, 'verify', base, '--json', ...flags], env);
  t.is(ourJson.stdout, pyJson.stdout, 'JSON output differs from verify.py');
  const counts = JSON.parse(pyJson.stdout.split('\n')[0]);
  if (Object.keys(env).length === 0) {
    // The library gives the same counts (in this process's zone, so only without env overrides).
    const opt = (name) => {
      const j = flags.indexOf(`--${name}`);
      return j >= 0 ? flags[j + 1] : undefined;
    };
    const lib = await verifyRun(base, {
      tasks: opt('tasks') ? Number(opt('tasks')) : undefined,
      n: opt('n') ? Number(opt('n')) : undefined,
      when: opt('when'),
      interval: opt('interval') ? Number(opt('interval')) : undefined,
      utc: flags.includes('--utc'),
      all: flags.includes('--all'),
    });
    for (const [k, v] of Object.entries(counts)) t.is(lib[k], v, `library ${k}`);
    t.is(lib.ok, py.code === 0);
  }
  return counts;
}

test('clean run across rotated files', async (t) => {
  const base = craft({
    'app.log.2026-11-24_10-00-00': records(3, 4, '2026-11-24 10:00:00', (k, task) => task !== 0),
    'app.log.2026-11-24_10-00-01': records(3, 4, '2026-11-24 10:00:01', (k, task) => task !== 1),
    'app.log': records(3, 4, '2026-11-24 10:00:03', (k, task) => task !== 2),
    'app.log.lock': '',
    'other.log': 'not ours\n',
  });
  const c = await agree(t, base, ['--tasks', '3', '--n', '4']);
  t.like(c, {
    files: 3,
    rotated: 2,
    lines: 60,
    expected: 60,
    unique: 60,
    missing: 0,
    duplicated: 0,
    torn: 0,
    misplaced: 0,
  });
});

test('a lost line and a duplicated line', async (t) => {
  const lines = records(2, 5, '2026-11-24 10:00:00', (k, task, i) => k === 2 && task === 1 && i === 3);
  lines.push(text('2026-11-24 10:00:00', 0, 0, 0), text('2026-11-24 10:00:00', 0, 0, 0));
  lines.push(text('2026-11-24 10:00:00', 1, 0, 1).replace('info-0-1', 'info-0-0001')); // int('0001') == 1
  const c = await agree(t, craft({ 'app.log': lines }), ['--tasks', '2', '--n', '5']);
  t.like(c, { missing: 1, duplicated: 3, torn: 0 });
});

test('records outside the counted range still count as duplicates', async (t) => {
  const lines = records(1, 2, '2026-11-24 10:00:00');
  lines.push(
    text('2026-11-24 10:00:00', 0, 7, 0),
    text('2026-11-24 10:00:00', 0, 7, 0),
    text('2026-11-24 10:00:00', 0, 0, 9),
  );
  lines.push(text('2026-11-24 10:00:00', 0, '123456789012345678901234567890', 0).repeat(2));
  const c = await agree(t, craft({ 'app.log': lines }), ['--tasks', '1', '--n', '2']);
  t.like(c, { unique: 10, duplicated: 2, missing: 0 });
});

test('torn lines: interleaved, missing final newline, invalid UTF-8, BOM, surrogates', async (t) => {
  const good = records(1, 3, '2026-11-24 10:00:00');
  const torn = Buffer.concat([
    Buffer.from(good.slice(0, 5).join('')),
    Buffer.from(
      '2026-11-24 10:00:00,1 - 1-T - x[line:1] - INFO: inf2026-11-24 10:00:00,2 - 1-T - x[line:1] - INFO: info-0-9\n',
    ),
    Buffer.from('garbage with \'quotes\' and "double"\n'),
    Buffer.from([0x32, 0x30, 0xff, 0xfe, 0x27, 0x5c, 0x0d, 0x0a]), // invalid UTF-8, repr'd as bytes
    Buffer.from([0xed, 0xa0, 0x80, 0x0a]), // an encoded surrogate is not UTF-8 either
    Buffer.from('\ufeff' + good[5]), // a BOM makes the line unparseable
    Buffer.from(good.slice(6).join('')),
    Buffer.from('\r\n'),
    Buffer.from(text('2026-11-24 10:00:00', 4, 0, 2).replace('-0-2', '-0-2\r')),
    Buffer.from('x'.repeat(300) + '\n'),
    Buffer.from(good[0].slice(0, -1)), // the last record, complete but without its newline
  ]);
  const c = await agree(t, craft({ 'app.log': torn }), ['--tasks', '1', '--n', '3']);
  t.like(c, { missing: 1, duplicated: 1 });
  t.true(c.torn >= 7);
});

test('a misplaced record in a rotated file', async (t) => {
  const base = craft({
    'app.log.2026-11-24_10-00-00': [
      ...records(1, 2, '2026-11-24 10:00:00'),
      text('2026-11-24 10:00:02', 0, 0, 2), // two seconds late
      text('2026-11-24 09:59:59', 1, 0, 2), // a second early
    ],
    'app.log': records(1, 3, '2026-11-24 10:00:09', (k, task, i) => i !== 2 || k < 2),
  });
  const c = await agree(t, base, ['--tasks', '1', '--n', '3']);
  t.like(c, { misplaced: 2, missing: 0, torn: 0 });
});

test('JSON lines (pino, winston shapes), with misplaced and torn JSON', async (t) => {
  const at = Date.UTC(2026, 10, 24, 10, 0, 0);
  const json = (o) => JSON.stringify(o) + '\n';
  const body = [];
  for (let i = 0; i < 3; i++)
    for (let k = 0; k < 5; k++) body.push(json({ level: 30, time: at + 10 * i, pid: 1, msg: `${LEVELS[k]}-0-${i}` }));
  body.push(json({ level: 'info', message: 'pre info-1-0', timestamp: '2026-11-24T10:00:00Z' })); // no numeric time
  body.push(json({ msg: 'debug-1-1\n', time: at + 5000 })); // $ before a final newline; misplaced
  body.push(json({ msg: 'debug-1-2', time: true })); // bool is an int to Python; misplaced
  body.push(json({ msg: null, message: 'info-1-1' })); // msg present: str(None), torn
  body.push(json({ msg: ['info-1-1'] }));
  body.push('{"msg": "info-1-1", "time": 1\n'); // cut JSON
  body.push('{"msg": "info-1-1", "time": 1}{"msg"\n');
  const base = craft({
    'app.log.2026-11-24_10-00-00': body,
    'app.log': [json({ msg: 'info-1-2', time: at + 100000 })],
  });
  const flags = ['--tasks', '2', '--n', '3', '--utc'];
  const c = await agree(t, base, flags);
  t.like(c, { misplaced: 2, torn: 4 });
});

test('--when M/H/D/MIDNIGHT and --interval name and bound rotated files the same way', async (t) => {
  const base = craft({
    'app.log.2026-11-24_10-05': records(1, 2, '2026-11-24 10:05:59'),
    'app.log.2026-11-24_10': records(1, 2, '2026-11-24 10:59:00', (k, task, i) => i === 0),
    'app.log.2026-11-24': records(1, 2, '2026-11-24 23:00:00', (k, task, i) => i === 1),
    'app.log.2026-11-24_10-05-00': records(1, 1, '2026-11-24 10:05:00'),
    'app.log.2026-11-24_10-05.gz': records(1, 1, '2026-11-24 10:09:00'),
    'app.log': records(1, 1, '2026-11-25 00:00:00'),
  });
  for (const when of ['S', 'M', 'H', 'D', 'MIDNIGHT', 'm']) {
    for (const interval of ['1', '5'])
      await agree(t, base, ['--tasks', '1', '--n', '2', '--when', when, '--interval', interval]);
  }
});

// Times that a DST change makes ambiguous or skipped are left out: glibc's mktime (verify.py) resolves
// them depending on its previous call, so no fixed answer exists to agree with.
test('local time follows TZ (summer and winter offsets), and --utc does not', async (t) => {
  const base = craft({
    'app.log.2026-07-01_12-00-00': records(1, 2, '2026-07-01 12:00:00'),
    'app.log.2026-01-15_12-00-00': records(1, 2, '2026-01-15 12:00:00'),
    'app.log.2026-01-15_13-00-00': records(1, 1, '2026-01-15 13:00:00'),
    'app.log': records(1, 3, '2026-11-24 10:00:00', (k, task, i) => i < 2),
  });
  for (const tz of ['America/New_York', 'Asia/Shanghai', 'UTC']) {
    await agree(t, base, ['--tasks', '1', '--n', '3'], { TZ: tz });
    await agree(t, base, ['--tasks', '1', '--n', '3', '--utc'], { TZ: tz });
  }
});

test("--all reads peers' own rotated names, skips .lock and .json, and checks no placement", async (t) => {
  const base = craft(
    {
      'stress.log': records(2, 2, '2026-11-24 10:00:00', (k, task) => task !== 0),
      'stress-2026-11-24-10-00-00.log': records(2, 2, '2026-11-24 10:00:05', (k, task) => task !== 1),
      'stress.log.1': [text('2026-11-24 10:00:00', 0, 0, 0)],
      'stress.log.lock': 'lock\n',
      'stress-audit.json': '{}\n',
      'other.log': records(2, 2, '2026-11-24 10:00:00'),
    },
    'stress.log',
  );
  mkdirSync(join(dirname(base), 'stress.dir'));
  const c = await agree(t, base, ['--tasks', '2', '--n', '2', '--all']);
  t.like(c, { files: 3, rotated: 2, duplicated: 1, misplaced: 0, missing: 0 });
  await agree(t, base, ['--tasks', '2', '--n', '2']);
});

test('an empty folder: everything is lost', async (t) => {
  const c = await agree(t, craft({ 'unrelated.txt': 'x\n' }), ['--tasks', '1', '--n', '1']);
  t.like(c, { files: 0, rotated: 0, missing: 5 });
});

test('the CLI: exit 2 with the usage text on bad arguments, 0 with it on --help', (t) => {
  const base = craft({ 'app.log': records(1, 1, '2026-11-24 10:00:00') });
  for (const bad of [
    [],
    ['--tasks', 'x', base],
    ['--nope', base],
    [base, 'extra'],
    ['--when', 'X', base],
    ['--n'],
    ['--json=1', base],
    [join(scratch, 'nowhere', 'app.log')],
  ]) {
    const r = run(process.execPath, [BIN, 'verify', ...bad]);
    t.is(r.code, 2, `args ${JSON.stringify(bad)}`);
    t.regex(r.stderr, /usage: concurrent-log verify BASEFILE/);
    t.is(r.stdout, '');
  }
  const h = run(process.execPath, [BIN, 'verify', '--help']);
  t.is(h.code, 0);
  t.regex(
    h.stdout,
    /usage: concurrent-log verify BASEFILE \[--when S\] \[--interval 1\] \[--tasks 100\] \[--n 1000\] \[--utc\] \[--all\] \[--json\]/,
  );
  const ok = run(process.execPath, [BIN, 'verify', base, '--tasks=1', '--n=1']);
  t.is(ok.code, 0);
  t.regex(ok.stdout, /^OK lost=0 dup=0 torn=0 misplaced=0$/m);
  const fail = run(process.execPath, [BIN, 'verify', base, '--tasks', '1', '--n', '2', '--json']);
  t.is(fail.code, 1);
  t.deepEqual(JSON.parse(fail.stdout.split('\n')[0]).missing, 5);
  t.regex(fail.stdout, /^FAIL lost=5 dup=0 torn=0 misplaced=0$/m);
});
