// A small real stress run through the CLI (2 processes x 2 worker threads), for the floor (`raw`)
// and for the handler (`ours`): nothing lost, duplicated or torn, by our verifier and by verify.py.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERIFY_PY } from './helpers/core.mjs';
import { ensureTool } from './helpers/tools.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin/concurrent-log.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'cl-stress-test-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

function stress(writer, extra = [], name = writer) {
  const dir = join(scratch, name);
  const args = [
    BIN,
    'stress',
    '--procs',
    '2',
    '--threads',
    '2',
    '--tasks',
    '4',
    '--n',
    '500',
    '--writer',
    writer,
    '--dir',
    dir,
    '--json',
    ...extra,
  ];
  // Results go to bench/results under the cwd: keep them in the scratch folder.
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: scratch, timeout: 100_000 });
  return { ...r, dir };
}

for (const writer of ['raw', 'raw-batched', 'ours', 'ours-fsync', 'logging']) {
  test(`stress --writer ${writer}: 2 procs x 2 threads, 4 tasks x 500 x 5, all verified`, (t) => {
    const r = stress(writer);
    t.is(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const res = JSON.parse(lines.at(-1));
    t.like(res, {
      writer,
      procs: 2,
      threads: 2,
      lines: 10000,
      expected: 10000,
      lost: 0,
      duplicated: 0,
      torn: 0,
      misplaced: 0,
      failedChildren: 0,
      unread: [],
    });
    t.true(res.elapsed > 0 && res.linesPerSec > 0);
    t.true(res.files >= 1);
    t.regex(r.stdout, /^OK lost=0 dup=0 torn=0 misplaced=0$/m);
    const saved = readdirSync(join(scratch, 'bench', 'results')).filter((f) => /^stress-.*\.json$/.test(f));
    t.true(saved.length >= 1);
    ensureTool('python3');
    const py = spawnSync('python3', [VERIFY_PY, join(r.dir, 'stress.log'), '--tasks', '4', '--n', '500', '--json'], {
      encoding: 'utf8',
    });
    t.is(py.status, 0, py.stdout + py.stderr);
    const counts = JSON.parse(py.stdout.split('\n')[0]);
    t.like(counts, { files: res.files, lines: 10000, unique: 10000, missing: 0, duplicated: 0, torn: 0, misplaced: 0 });
    if (writer === 'raw') t.is(res.files, 1);
  });
}

test("stress runs the seed's shape by default (only worker threads open the file, by dictConfig) and reports threads and peak RSS per process; --main-opens runs the former shape", (t) => {
  const most = {};
  for (const [extra, mainOpens] of [
    [[], false],
    [['--main-opens'], true],
  ]) {
    // Four worker threads per process: a flusher each would be three threads more than one.
    const r = stress('ours', [...extra, '--threads', '4'], `shape-${mainOpens}`);
    t.is(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout.trimEnd().split('\n').at(-1));
    t.like(res, { mainOpens, lines: 10000, lost: 0, duplicated: 0, torn: 0, misplaced: 0 });
    t.is(res.processes.length, 2);
    for (const p of res.processes) t.true(p.threads > 3 && p.peakRssMiB > 0, JSON.stringify(p));
    most[mainOpens] = Math.max(...res.processes.map((p) => p.threads));
    t.regex(
      r.stdout,
      mainOpens ? /the main threads opened the file first/ : /only the worker threads opened the file \(dictConfig\)/,
    );
    t.regex(r.stdout, /per process: \d+ threads, \d+ MiB peak RSS; \d+ threads, \d+ MiB peak RSS/);
  }
  // One flusher per process whoever opens the file first: not one per worker thread. (Node 24 may
  // count one of its own helper threads more in one run than in the other.)
  t.true(
    most[false] <= most[true] + 1,
    `${most[false]} threads when only workers open, ${most[true]} when the main thread opens first`,
  );
});

test('stress: bad arguments exit 2 with the usage text', (t) => {
  for (const bad of [
    ['--procs', 'x'],
    ['--writer', 'nope'],
    ['--bogus'],
    ['--procs', '0'],
    ['--when', 'Q'],
    ['extra'],
  ]) {
    const r = spawnSync(process.execPath, [BIN, 'stress', ...bad], { encoding: 'utf8', cwd: scratch });
    t.is(r.status, 2, JSON.stringify(bad));
    t.regex(r.stderr, /usage: concurrent-log stress/);
  }
  const h = spawnSync(process.execPath, [BIN, 'stress', '--help'], { encoding: 'utf8' });
  t.is(h.status, 0);
  t.regex(h.stdout, /--writer W {6}what writes the records \(default ours\):\n {20}raw {19}fs.writeSync/);
});

test("the logging writer's lines carry the user's call site: pathname and the line of each level's call", (t) => {
  const r = stress('logging', ['--tasks', '1', '--n', '10', '--procs', '1', '--threads', '1'], 'logging-caller');
  t.is(r.status, 0, r.stderr);
  // Every file of the log: the 50 records may straddle a second, so a rotation.
  const text = readdirSync(r.dir)
    .filter((f) => f.startsWith('stress'))
    .map((f) => readFileSync(join(r.dir, f), 'utf8'))
    .join('');
  const writers = join(root, 'dist', 'esm', 'dev', 'stress', 'writers.js');
  const src = readFileSync(writers, 'utf8').split('\n');
  for (const [level, call] of [
    ['DEBUG', 'logger.debug(msg)'],
    ['INFO', 'logger.info(msg)'],
    ['WARNING', 'logger.warning(msg)'],
    ['ERROR', 'logger.error(msg)'],
    ['CRITICAL', 'logger.critical(msg)'],
  ]) {
    const lineno = src.findIndex((l) => l.includes(call)) + 1;
    t.true(lineno > 0);
    t.true(text.includes(` - ${writers}[line:${lineno}] - ${level}: `), `${level} at ${writers}:${lineno}`);
  }
});

for (const [when, maxBytes] of [
  ['none', 16384],
  ['S', 16384],
]) {
  test(`stress --when ${when} --max-bytes ${maxBytes}: rotated by size${when === 'S' ? ' within seconds' : ' alone'}, every line verified once`, (t) => {
    const r = stress('ours', ['--when', when, '--max-bytes', String(maxBytes)], `size-${when}`);
    t.is(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout.trimEnd().split('\n').at(-1));
    t.like(res, {
      lines: 10000,
      expected: 10000,
      lost: 0,
      duplicated: 0,
      torn: 0,
      misplaced: 0,
      failedChildren: 0,
      unread: [],
      maxBytes,
    });
    const names = readdirSync(r.dir).filter((f) => f.startsWith('stress'));
    // About 800 KB of lines: dozens of files, none over maxBytes (a record is far smaller).
    t.true(res.files > 20, String(res.files));
    for (const f of names) t.true(readFileSync(join(r.dir, f)).length < maxBytes, f);
    if (when === 'none')
      t.true(
        names.every((f) => /^stress\.log(\.\d+)?$/.test(f)),
        names.join(' '),
      );
    else
      t.true(
        names.some((f) => /^stress\.log\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.\d+$/.test(f)),
        names.join(' '),
      );
  });
}

test('stress: --when none needs --max-bytes, and --max-bytes is for writer ours', (t) => {
  for (const bad of [
    ['--when', 'none'],
    ['--max-bytes', '100', '--writer', 'raw'],
    ['--max-bytes', '-5'],
  ]) {
    const r = spawnSync(process.execPath, [BIN, 'stress', ...bad], { encoding: 'utf8', cwd: scratch });
    t.is(r.status, 2, JSON.stringify(bad) + r.stderr);
  }
});
