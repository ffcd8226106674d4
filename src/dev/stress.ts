// `concurrent-log stress`: the seed's 500,000-line stress test in Node terms. The parent forks
// `procs` processes; each runs a piscina pool of `threads` worker threads; `tasks` tasks are dealt
// across the processes, each writing `n` iterations of five records `<level>-<task>-<i>` in the
// seed's text format (when='S', interval=1, backupCount=0, delay=true, utf-8). As in the seed, the
// worker threads configure the handler (dictConfig) and the main thread never opens the file, unless
// --main-opens. Afterwards every line
// is verified (lost, duplicated, torn, misplaced) and the result is saved under bench/results/.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatVerifyTable, verifyRun, type VerifyResult } from '../tools/verify.js';
import { parseArgs, usageExit, UsageError } from '../tools/args.js';
import { WRITERS, writerInfo } from './stress/writers.js';
import { packageRoot } from '../core/fs/package.js';
import type { ChildConfig, ChildMessage } from './stress/child.js';

export const usage = `usage: concurrent-log stress [--procs P] [--threads T] [--tasks 100] [--n 1000] [--dir DIR] [--when S|none] [--max-bytes N] [--fsync batch] [--writer ours] [--main-opens] [--json]

The seed's multi-process stress test: P processes x T worker threads write TASKS x N x 5 records
(levels debug, info, 警告, 报错, 严重; messages <level>-<task>-<i>) to one time-rotating log
(when S, interval 1, backupCount 0), then every line is verified: lost, duplicated, torn, misplaced.

options:
  --procs P       processes (default: os.availableParallelism())
  --threads T     piscina worker threads per process (default 2; the seed's shape is 100)
  --tasks N       tasks, dealt round-robin across the processes (default 100)
  --n N           iterations per task, five records each (default 1000)
  --dir DIR       write the log files there and keep them (default: a temp folder, removed after)
  --when W        rotation unit: S, M, H, D, MIDNIGHT (default S); none: by size alone (needs --max-bytes)
  --max-bytes N   rotate by size too (ours: before a record that would bring the file to N; the peers
                  with their own size option), for ours, ours-fsync, pino-roll, winston, log4js, rotating-file-stream
                  bytes (with --when none, ConcurrentRotatingFileHandler: app.log.1 ... app.log.K;
                  verified file by file, with no misplaced check)
  --fsync batch   writer ours: durable mode (fdatasync once per batch per file before it is freed)
  --main-opens    our writers: each process's main thread opens the file before its pool starts;
                  by default, as in the seed, the worker threads configure the handler themselves
                  (the seed's dictConfig) and the main thread never opens the file
  --writer W      what writes the records (default ours):
${WRITERS.map((w) => `                    ${w.name.padEnd(21)} ${w.description}`).join('\n')}
  --json          make the last stdout line one JSON object with the figures

The result is also written to bench/results/stress-<timestamp>.json (under the current folder).
exit status: 0 when nothing is lost, duplicated or torn; 1 otherwise; 2 on bad arguments.
`;

export interface StressOptions {
  procs: number;
  threads: number;
  tasks: number;
  n: number;
  dir?: string;
  when: string;
  /** Durable mode for writer ours (--fsync batch). */
  fsync: boolean;
  /** Writer ours: rotate by size too (--max-bytes); with when 'NONE', by size alone. 0: by time only. */
  maxBytes?: number;
  writer: string;
  /** Our writers: the main thread opens the file first (default: only the workers, by dictConfig). */
  mainOpens?: boolean;
  /** Progress on stderr (default true). */
  progress?: boolean;
}

/** One process of the run: its OS threads once every worker wrote, and its peak RSS. */
export interface StressProcess {
  threads: number;
  peakRssMiB: number;
}

export interface StressResult {
  writer: string;
  procs: number;
  threads: number;
  tasks: number;
  n: number;
  when: string;
  fsync: boolean;
  /** --max-bytes (0: none). */
  maxBytes: number;
  /** Whether each process's main thread opened the file first (--main-opens). */
  mainOpens: boolean;
  /** Seconds from the first fork to the last child's exit (verification excluded). */
  elapsed: number;
  /** Per process (Node writers): OS threads and peak RSS. */
  processes: StressProcess[];
  lines: number;
  linesPerSec: number;
  expected: number;
  files: number;
  rotated: number;
  lost: number;
  duplicated: number;
  torn: number;
  misplaced: number;
  /** Verified with `all` (every file of the stem; no misplaced check). */
  verifyAll: boolean;
  /** Children that exited non-zero. */
  failedChildren: number;
  /** Files of the run (names starting with 'stress') that the verification did not read. */
  unread: string[];
  tornExamples: VerifyResult['tornExamples'];
  dir: string | null;
  node: string;
  platform: string;
  cpus: number;
  date: string;
}

function progressLine(opts: StressOptions, done: number, total: number, t0: number): string {
  const s = (performance.now() - t0) / 1000;
  const pct = total ? ((100 * done) / total).toFixed(1) : '0';
  return `stress ${opts.writer} ${opts.procs}x${opts.threads}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} records (${pct}%) ${s.toFixed(1)}s ${Math.round(done / Math.max(s, 1e-3)).toLocaleString('en-US')}/s`;
}

/** Runs the workload and verifies it; returns the figures (files are removed unless `dir`). */
export async function runStress(opts: StressOptions): Promise<StressResult> {
  const info = writerInfo(opts.writer);
  if (!info) throw new UsageError(`unknown writer '${opts.writer}'`);
  const keep = opts.dir !== undefined;
  const dir = keep ? resolve(opts.dir!) : await mkdtemp(join(tmpdir(), 'concurrent-log-stress-'));
  await mkdir(dir, { recursive: true });
  const stale = (await readdir(dir)).filter((f) => f.startsWith('stress'));
  if (stale.length)
    throw new UsageError(`${dir} already holds files of a run (${stale[0]}, ...): remove them or use another --dir`);
  const file = join(dir, 'stress.log');
  const total = opts.tasks * opts.n * 5;
  const tty = opts.progress !== false && process.stderr.isTTY;
  const showProgress = opts.progress !== false;
  let failedChildren = 0;
  let elapsed: number;
  try {
    const counts = new Array<number>(opts.procs).fill(0);
    const processes: StressProcess[] = [];
    const t0 = performance.now();
    let lastPrint = t0;
    const tick = setInterval(() => {
      const done = counts.reduce((a, b) => a + b, 0);
      const now = performance.now();
      if (tty) process.stderr.write(`\r\x1b[K${progressLine(opts, done, total, t0)}`);
      else if (showProgress && now - lastPrint >= 5000) {
        lastPrint = now;
        process.stderr.write(progressLine(opts, done, total, t0) + '\n');
      }
    }, 250);
    const exits: Promise<void>[] = [];
    if (info.external) {
      const script = join(packageRoot(), 'bench', 'python_stress.py');
      if (!existsSync(script)) throw new Error(`writer 'python' needs ${script}`);
      const child = spawn(
        'python3',
        [
          script,
          '--file',
          file,
          '--procs',
          String(opts.procs),
          '--threads',
          String(opts.threads),
          '--tasks',
          String(opts.tasks),
          '--n',
          String(opts.n),
          '--when',
          opts.when,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      exits.push(
        waitExit(child).then((code) => {
          if (code !== 0) failedChildren++;
        }),
      );
    } else {
      const childPath = join(packageRoot(), 'dist', 'esm', 'dev', 'stress', 'child.js');
      for (let p = 0; p < opts.procs; p++) {
        const tasks: number[] = [];
        for (let t = p; t < opts.tasks; t += opts.procs) tasks.push(t);
        if (!tasks.length) continue;
        const cfg: ChildConfig = {
          writer: opts.writer,
          file,
          when: opts.when,
          fsync: opts.fsync,
          maxBytes: opts.maxBytes ?? 0,
          threads: opts.threads,
          n: opts.n,
          tasks,
          mainOpens: opts.mainOpens ?? false,
        };
        const child = fork(childPath, [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.on('message', (m: ChildMessage) => {
          if (m.type === 'progress' || m.type === 'done') counts[p] = m.records;
          if (m.type === 'done') processes.push({ threads: m.threads, peakRssMiB: m.peakRssMiB });
        });
        exits.push(
          waitExit(child).then((code) => {
            if (code !== 0) failedChildren++;
          }),
        );
      }
    }
    await Promise.all(exits);
    elapsed = (performance.now() - t0) / 1000;
    clearInterval(tick);
    if (tty)
      process.stderr.write(
        `\r\x1b[K${progressLine(
          opts,
          counts.reduce((a, b) => a + b, 0),
          total,
          t0,
        )}\n`,
      );
    // By size alone the names are numbered, not dated: every file of the stem is read, unplaced.
    const bySize = opts.when === 'NONE';
    const v = await verifyRun(file, {
      tasks: opts.tasks,
      n: opts.n,
      when: bySize ? 'S' : opts.when,
      interval: 1,
      all: info.verifyAll || bySize,
    });
    const read = new Set(v.fileNames);
    const unread = (await readdir(dir)).filter((f) => f.startsWith('stress') && !f.endsWith('.lock') && !read.has(f));
    return {
      writer: opts.writer,
      procs: opts.procs,
      threads: opts.threads,
      tasks: opts.tasks,
      n: opts.n,
      when: opts.when,
      fsync: opts.fsync,
      mainOpens: opts.mainOpens ?? false,
      elapsed: Number(elapsed.toFixed(3)),
      processes,
      lines: v.lines,
      linesPerSec: Math.round(v.lines / elapsed),
      expected: v.expected,
      files: v.files,
      rotated: v.rotated,
      lost: v.missing,
      duplicated: v.duplicated,
      torn: v.torn,
      misplaced: v.misplaced,
      verifyAll: info.verifyAll || bySize,
      maxBytes: opts.maxBytes ?? 0,
      failedChildren,
      unread,
      tornExamples: v.tornExamples,
      dir: keep ? dir : null,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      date: new Date().toISOString(),
    };
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`stress: ${err.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** The readable summary: the run, then verify.py's table. */
export function formatStress(r: StressResult): string {
  const head = [
    `writer ${r.writer}: ${r.procs} procs x ${r.threads} threads, ${r.tasks} tasks x ${r.n} x 5 records, when=${r.when}${r.maxBytes ? `, maxBytes=${r.maxBytes}` : ''}${r.fsync ? ', fsync=batch' : ''}`,
    `   elapsed: ${r.elapsed.toFixed(3)} s (first fork to last exit)${r.mainOpens ? ', the main threads opened the file first' : ', only the worker threads opened the file (dictConfig)'}`,
    ...(r.processes.length
      ? [`   per process: ${r.processes.map((p) => `${p.threads} threads, ${p.peakRssMiB} MiB peak RSS`).join('; ')}`]
      : []),
    `     lines: ${r.lines.toLocaleString('en-US')} (${r.linesPerSec.toLocaleString('en-US')} lines/s)`,
  ];
  if (r.verifyAll)
    head.push('  (verified every file of the stem: rotated names differ from CPython; no misplaced check)');
  if (r.unread.length)
    head.push(`  WARNING: ${r.unread.length} file(s) of the run not verified: ${r.unread.slice(0, 3).join(', ')}`);
  if (r.failedChildren) head.push(`  ${r.failedChildren} child process(es) failed`);
  const table = formatVerifyTable({
    files: r.files,
    rotated: r.rotated,
    lines: r.lines,
    expected: r.expected,
    unique: r.expected - r.lost,
    missing: r.lost,
    duplicated: r.duplicated,
    torn: r.torn,
    misplaced: r.misplaced,
    ok: r.lost === 0 && r.duplicated === 0 && r.torn === 0,
    tornExamples: r.tornExamples,
    fileNames: [],
  });
  return head.join('\n') + '\n' + table;
}

export async function main(argv: string[]): Promise<number> {
  let opts: StressOptions;
  let json: boolean;
  try {
    const a = parseArgs(argv, {
      procs: 'int',
      threads: 'int',
      tasks: 'int',
      n: 'int',
      dir: 'string',
      when: 'string',
      'max-bytes': 'int',
      fsync: 'string',
      writer: 'string',
      'main-opens': 'bool',
      json: 'bool',
      help: 'bool',
    });
    if (a.flags['help']) {
      process.stdout.write(usage);
      return 0;
    }
    const f = a.flags;
    opts = {
      procs: (f['procs'] as number | undefined) ?? availableParallelism(),
      threads: (f['threads'] as number | undefined) ?? 2,
      tasks: (f['tasks'] as number | undefined) ?? 100,
      n: (f['n'] as number | undefined) ?? 1000,
      dir: f['dir'] as string | undefined,
      when: ((f['when'] as string | undefined) ?? 'S').toUpperCase(),
      writer: (f['writer'] as string | undefined) ?? 'ours',
      fsync: f['fsync'] === 'batch',
      maxBytes: (f['max-bytes'] as number | undefined) ?? 0,
      mainOpens: Boolean(f['main-opens']),
    };
    if (f['fsync'] !== undefined && f['fsync'] !== 'batch')
      throw new UsageError(`--fsync takes 'batch', not '${String(f['fsync'])}'`);
    json = Boolean(f['json']);
    if (opts.procs < 1 || opts.threads < 1 || opts.tasks < 1 || opts.n < 1)
      throw new UsageError('--procs, --threads, --tasks and --n must be at least 1');
    if (!['S', 'M', 'H', 'D', 'MIDNIGHT', 'NONE'].includes(opts.when))
      throw new UsageError(`unsupported --when '${opts.when}'`);
    if (opts.maxBytes! < 0) throw new UsageError('--max-bytes must be 0 or more');
    if (opts.maxBytes && !writerInfo(opts.writer)?.size)
      throw new UsageError(
        `--max-bytes is for the writers that rotate by size: ${WRITERS.filter((w) => w.size)
          .map((w) => w.name)
          .join(', ')}`,
      );
    if (opts.when === 'NONE' && !opts.maxBytes) throw new UsageError('--when none rotates by size: give --max-bytes');
    if (!writerInfo(opts.writer)) throw new UsageError(`unknown writer '${opts.writer}'`);
  } catch (err) {
    return usageExit('stress', err, usage);
  }
  try {
    // A benchmark-only dependency (a devDependency): the logger never loads it.
    await import('piscina');
  } catch {
    process.stderr.write(
      'concurrent-log stress: the stress benchmark runs piscina pools; install it first: npm install --no-save piscina\n',
    );
    return 2;
  }
  let r: StressResult;
  try {
    r = await runStress(opts);
  } catch (err) {
    return usageExit('stress', err);
  }
  const out = join(process.cwd(), 'bench', 'results');
  const saved = join(out, `stress-${r.date.replace(/[:.]/g, '-')}.json`);
  try {
    await mkdir(out, { recursive: true });
    await writeFile(saved, JSON.stringify(r, null, 2) + '\n');
  } catch (err) {
    process.stderr.write(`stress: could not save ${saved}: ${(err as Error).message}\n`);
  }
  process.stdout.write(formatStress(r));
  process.stdout.write(`saved ${saved}\n`);
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  return r.lost === 0 && r.duplicated === 0 && r.torn === 0 && r.failedChildren === 0 ? 0 : 1;
}
