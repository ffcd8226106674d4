// `concurrent-log conformance [FILE...]`: replays CPython 3.13's TimedRotatingFileHandler vectors
// (test/fixtures/oracle, made by gen_vectors.py) against src/time/schedule.ts and reports per section.
//
// Local time must be exercised two ways, so each zone's cases run in a child process:
//   env     the case's zone is the process's TZ (one child per zone, as CPython was run);
//   option  the case's zone is the `timezone` option, in a process whose TZ is another zone.
// The rollover steps are replayed on a tiny in-memory folder (which names exist, what lines
// each holds), so "did the target exist" and emit() line counts can be checked without I/O.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, Schedule, defaultRotationName, filesToDelete, parseAtTime } from '../time/schedule.js';
import type { AtTime, ScheduleOptions, When } from '../time/schedule.js';
import { packageRoot } from '../core/fs/package.js';
import { parseArgs, UsageError } from '../tools/args.js';
import { isSizeVectors, runSizeVectors, type SizeCase, type SizeResult } from './size-conformance.js';

export const usage = `usage: concurrent-log conformance [options] [FILE...]

Checks CPython TimedRotatingFileHandler vectors (rollover_vectors.json / delete_vectors.json
schema, see test/fixtures/oracle/README.md) against this package's schedule, and
RotatingFileHandler vectors (size_vectors.json, recognised by its content) against
ConcurrentRotatingFileHandler writing real files in a temp folder. A FILE ending in .gz is gunzipped.
Default FILEs: test/fixtures/oracle/rollover_vectors.json.gz, delete_vectors.json and
size_vectors.json.gz in a clone of the repository (the published package does not include them).

options:
  --zone-mode env|option|both   env: the case's zone is the child process's TZ;
                                option: it is the 'timezone' option, the process TZ differs;
                                both (default): run both
  --show N                      failures shown per section (default 5)
  -h, --help                    this text

Exit status: 0 if every case passed, 1 if any failed, 2 on bad usage or unreadable input.`;

type ZoneMode = 'env' | 'option';
type Status = 'passed' | 'kept' | 'rejected' | 'extension' | 'failed';

/** Sections in report order; `cases` holds the first rolloverAt and the exact-time chain. */
const SECTIONS = [
  'attrs',
  'errors',
  'cases/chain',
  'lateChain',
  'mtime',
  'nonRegular',
  'emitScenarios',
  'delete',
] as const;
type Section = (typeof SECTIONS)[number];

const COLUMNS: Record<Status, string> = {
  passed: 'passed',
  kept: 'kept (deviation)',
  rejected: 'rejected (Node check)',
  extension: 'accepted (Node extension)',
  failed: 'failed',
};

/** A process TZ unlike every oracle zone (UTC+12:45/13:45), so an ignored option shows. */
const OPTION_MODE_PROCESS_TZ = 'Pacific/Chatham';
const OPTION_MODE_FALLBACK_TZ = 'UTC';
const DEFAULT_SHOW = 5;
/** Failures a worker sends back per section: enough for any --show. */
const MAX_REPORTED_FAILURES = 50;
const DEFAULT_LATE_LAG = 1;
const DEFAULT_MTIME_BACK = 129607;
const DEFAULT_BASE = 'test.log';
/** Folder of the simulated base file (any absolute path: filesToDelete returns full paths). */
const SIM_DIR = '/conformance';

// ------------------------------------------------------------------ vectors --

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface Header {
  base: string;
  lateLag: number;
  mtimeBack: number;
}

interface Item {
  section: 'attrs' | 'errors' | 'cases' | 'nonRegular' | 'emitScenarios' | 'delete';
  file: string;
  data: Obj;
}

interface Job {
  mode: ZoneMode;
  processTz: string;
  header: Header;
  items: Item[];
}

interface Failure {
  section: Section;
  file: string;
  id: string;
  tz: string;
  mode: ZoneMode;
  detail: string;
  expected: Json;
  got: Json;
}

type Counts = Record<Section, Record<Status, number>>;

interface JobResult {
  counts: Counts;
  failures: Failure[];
}

function emptyCounts(): Counts {
  const c = {} as Counts;
  for (const s of SECTIONS) c[s] = { passed: 0, kept: 0, rejected: 0, extension: 0, failed: 0 };
  return c;
}

// ------------------------------------------------------------------ in-memory folder --

/** The base file's folder: names and the lines each file holds. */
class FolderModel {
  readonly files = new Map<string, Json[]>();

  exists(name: string): boolean {
    return this.files.has(name);
  }

  append(name: string, line: Json): void {
    const lines = this.files.get(name);
    if (lines) lines.push(line);
    else this.files.set(name, [line]);
  }

  /**
   * doRollover's file work. CPython deletes an existing target, losing its lines; our handler
   * keeps them by appending the base file to the target (`keep`).
   */
  rotate(base: string, target: string, keep: boolean): void {
    const existing = this.files.get(target);
    const moving = this.files.get(base);
    if (existing && !keep) this.files.delete(target);
    if (!moving) return;
    this.files.delete(base);
    if (existing && keep) existing.push(...moving);
    else this.files.set(target, moving);
  }
}

type Namer = ((name: string) => string) | null;

/** The namers gen_vectors.py installs ("namers" in the vectors header). */
function makeNamer(kind: Json, base: string): Namer {
  if (kind === null || kind === undefined) return null;
  if (kind === 'gz') return (p) => `${p}.gz`;
  if (kind === 'ext_before') {
    const dot = base.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
    return (p) => `${stem}.${p.slice(base.length + 1)}${ext}`;
  }
  throw new Error(`unknown namer ${JSON.stringify(kind)}`);
}

/**
 * A handler's schedule state, driven like gen_vectors.py drives CPython's. `keep` false is
 * CPython 3.13's doRollover: a target that exists means "already rolled over", so it returns
 * without rotating and without moving rolloverAt. `keep` true is ours: the base file is appended
 * to the existing target and the schedule goes on.
 */
class SimHandler {
  rolloverAt: number;
  /** Rollovers CPython skipped because the target existed (`keep` false). */
  skipped = 0;

  constructor(
    readonly schedule: Schedule,
    readonly folder: FolderModel,
    readonly base: string,
    readonly namer: Namer,
    readonly keep: boolean,
    now: number,
    mtime: number | null,
  ) {
    this.rolloverAt = schedule.initialRollover(now, mtime);
  }

  /** One doRollover() at clock `at`: [at, name, targetExisted, rotated, next]. */
  doRollover(at: number): Json[] {
    const dfn = defaultRotationName(this.base, this.schedule.rotationSuffix(this.rolloverAt, at));
    const name = this.namer ? this.namer(dfn) : dfn;
    const existed = this.folder.exists(name);
    if (existed && !this.keep) {
      this.skipped++;
      return [at, name, existed, false, this.rolloverAt];
    }
    this.folder.rotate(this.base, name, true);
    this.rolloverAt = this.schedule.nextRollover(at);
    return [at, name, existed, !this.folder.exists(this.base), this.rolloverAt];
  }
}

// ------------------------------------------------------------------ option mapping --

/** A vector's datetime.time (its isoformat) as our atTime: CPython ignores its tzinfo, so we drop it. */
function vectorAtTime(iso: string): AtTime | null {
  return parseAtTime(iso.replace(/(Z|[+-]\d{2}:\d{2})$/, ''));
}

function caseOptions(c: Obj, mode: ZoneMode): ScheduleOptions {
  const at = c.atTime;
  return {
    when: c.when as When,
    interval: c.interval as number,
    utc: c.utc as boolean,
    atTime: typeof at === 'string' ? vectorAtTime(at) : null,
    timezone: mode === 'option' ? (c.tz as string) : undefined,
  };
}

/** Our deliberate Node check: CPython accepts these intervals (0 and negatives then hang). */
function nodeRejectsInterval(v: unknown): boolean {
  return v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v > 0);
}

// ------------------------------------------------------------------ comparison --

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
  }
  return false;
}

class Recorder {
  readonly result: JobResult = { counts: emptyCounts(), failures: [] };
  readonly #reported = new Map<Section, number>();

  constructor(readonly job: Job) {}

  record(section: Section, item: Item, status: Status, detail = '', expected: Json = null, got: Json = null): void {
    this.result.counts[section][status]++;
    if (status !== 'failed') return;
    const n = this.#reported.get(section) ?? 0;
    this.#reported.set(section, n + 1);
    if (n >= MAX_REPORTED_FAILURES) return;
    const id = String(item.data.id ?? '?');
    const tz = String(item.data.tz ?? '');
    this.result.failures.push({ section, file: item.file, id, tz, mode: this.job.mode, detail, expected, got });
  }

  check(section: Section, item: Item, detail: string, expected: Json, got: Json): void {
    if (deepEqual(expected, got)) this.record(section, item, 'passed');
    else this.record(section, item, 'failed', detail, expected, got);
  }
}

function errorJson(e: unknown): Json {
  if (e instanceof ConfigError) return { error: 'ConfigError', option: e.option, message: e.message };
  return { error: e instanceof Error ? e.name : typeof e, message: e instanceof Error ? e.message : String(e) };
}

// ------------------------------------------------------------------ sections --

function runChain(schedule: Schedule, c: Obj, header: Header, lag: number): Json[] {
  const folder = new FolderModel();
  const h = new SimHandler(
    schedule,
    folder,
    header.base,
    makeNamer(c.namer, header.base),
    false,
    c.now as number,
    null,
  );
  const steps: Json[] = [];
  const chainSteps = ((c.expect as Obj).chain as Json[]).length;
  for (let i = 0; i < chainSteps; i++) {
    folder.append(header.base, `period ${i}`);
    steps.push(h.doRollover(h.rolloverAt + lag));
  }
  return steps;
}

function runMtime(schedule: Schedule, c: Obj, header: Header): Obj {
  const now = c.now as number;
  const folder = new FolderModel();
  folder.append(header.base, 'old');
  const mtime = Math.trunc(now) - header.mtimeBack;
  const h = new SimHandler(schedule, folder, header.base, makeNamer(c.namer, header.base), false, now, mtime);
  const due = schedule.shouldRollover(h.rolloverAt, now);
  const out: Obj = { mtime, rolloverAt: h.rolloverAt, shouldRollover: due };
  if (due) {
    folder.append(header.base, 'period 0');
    out.step = h.doRollover(now);
  }
  return out;
}

function runCase(rec: Recorder, item: Item): void {
  const c = item.data;
  const exp = c.expect as Obj;
  const parts: Section[] = [
    'cases/chain',
    ...(exp.lateChain ? (['lateChain'] as const) : []),
    ...(exp.mtime ? (['mtime'] as const) : []),
  ];
  let schedule: Schedule;
  try {
    schedule = Schedule.create(caseOptions(c, rec.job.mode));
  } catch (e) {
    const rejected = e instanceof ConfigError && e.option === 'interval' && nodeRejectsInterval(c.interval);
    for (const p of parts) {
      if (rejected) rec.record(p, item, 'rejected');
      else rec.record(p, item, 'failed', 'Schedule.create threw', exp.error ? exp : null, errorJson(e));
    }
    return;
  }
  if (exp.error) {
    for (const p of parts) rec.record(p, item, 'failed', 'CPython raised; we did not', exp, null);
    return;
  }
  const guard = (p: Section, detail: string, expected: Json, fn: () => Json) => {
    try {
      rec.check(p, item, detail, expected, fn());
    } catch (e) {
      rec.record(p, item, 'failed', `${detail} threw`, expected, errorJson(e));
    }
  };
  guard(
    'cases/chain',
    'intervalS, rolloverAt, chain',
    { intervalS: exp.intervalS, rolloverAt: exp.rolloverAt, chain: exp.chain },
    () => ({
      intervalS: schedule.interval,
      rolloverAt: schedule.initialRollover(c.now as number, null),
      chain: runChain(schedule, c, rec.job.header, 0),
    }),
  );
  if (exp.lateChain)
    guard('lateChain', 'lateChain', exp.lateChain, () => runChain(schedule, c, rec.job.header, rec.job.header.lateLag));
  if (exp.mtime) guard('mtime', 'mtime', exp.mtime, () => runMtime(schedule, c, rec.job.header));
}

function runAttrs(rec: Recorder, item: Item): void {
  const c = item.data;
  try {
    const s = Schedule.create({ when: c.when as When, interval: c.interval as number, timezone: zoneOption(rec, c) });
    rec.check('attrs', item, 'attributes', c.expect, {
      when: s.when,
      intervalS: s.interval,
      suffix: s.suffix,
      extMatch: s.extMatch.source,
      dayOfWeek: s.dayOfWeek,
    });
  } catch (e) {
    rec.record('attrs', item, 'failed', 'Schedule.create threw', c.expect, errorJson(e));
  }
}

function zoneOption(rec: Recorder, c: Obj): string | undefined {
  return rec.job.mode === 'option' && typeof c.tz === 'string' ? c.tz : undefined;
}

/** errors[i].kwargs -> our options: a {"time": ..} atTime is a datetime.time, anything else raw. */
function errorOptions(rec: Recorder, c: Obj): ScheduleOptions {
  const kw = c.kwargs as Obj;
  const opts: Record<string, unknown> = { timezone: zoneOption(rec, c) };
  for (const [k, v] of Object.entries(kw)) {
    opts[k] =
      k === 'atTime' && v && typeof v === 'object' && !Array.isArray(v) ? vectorAtTime((v as Obj).time as string) : v;
  }
  return opts as ScheduleOptions;
}

function runError(rec: Recorder, item: Item): void {
  const c = item.data;
  const exp = c.expect as Obj;
  const kw = c.kwargs as Obj;
  let schedule: Schedule | null = null;
  let thrown: unknown = null;
  try {
    schedule = Schedule.create(errorOptions(rec, c));
  } catch (e) {
    thrown = e;
  }
  const cfg = thrown instanceof ConfigError ? thrown : null;
  // The option we blame must be one the case set, and carry the value it was set to.
  const blamesKwarg = cfg !== null && cfg.option in kw && deepEqual(kw[cfg.option], cfg.value as Json);
  if (exp.raises === 'ValueError') {
    if (cfg && blamesKwarg && cfg.message === exp.message) rec.record('errors', item, 'passed');
    else
      rec.record(
        'errors',
        item,
        'failed',
        'CPython ValueError: same message expected',
        exp,
        thrown ? errorJson(thrown) : 'no error',
      );
    return;
  }
  if (exp.raises) {
    // AttributeError/TypeError: CPython tripped over a value of the wrong type; we must refuse it
    // up front. Exception: our API also takes atTime as "HH:MM[:SS]" (CPython wants datetime.time).
    if (cfg && blamesKwarg) rec.record('errors', item, 'passed');
    else if (schedule && typeof kw.atTime === 'string') checkAtTimeExtension(rec, item, schedule, c);
    else
      rec.record(
        'errors',
        item,
        'failed',
        `CPython ${exp.raises}: a ConfigError naming the option expected`,
        exp,
        thrown ? errorJson(thrown) : 'no error',
      );
    return;
  }
  if (!schedule) {
    if (cfg && cfg.option === 'interval' && nodeRejectsInterval(kw.interval)) rec.record('errors', item, 'rejected');
    else rec.record('errors', item, 'failed', 'CPython accepted these options', exp, errorJson(thrown));
    return;
  }
  const s = schedule;
  const folder = new FolderModel();
  const base = rec.job.header.base;
  const h = new SimHandler(s, folder, base, null, false, c.now as number, null);
  const got: Obj = { raises: null, when: s.when, intervalS: s.interval, rolloverAt: h.rolloverAt };
  folder.append(base, 'period 0');
  got.firstStep = h.doRollover(h.rolloverAt);
  rec.check('errors', item, 'accepted options', exp, got);
}

/** atTime "HH:MM" (a CPython AttributeError) is our extension: it must act as the object form. */
function checkAtTimeExtension(rec: Recorder, item: Item, schedule: Schedule, c: Obj): void {
  const kw = c.kwargs as Obj;
  const [hour, minute, second = 0] = (kw.atTime as string).split(':').map(Number);
  const viaObject = Schedule.create({ ...errorOptions(rec, c), atTime: { hour: hour!, minute: minute!, second } });
  const now = c.now as number;
  const same =
    schedule.initialRollover(now, null) === viaObject.initialRollover(now, null) &&
    deepEqual(schedule.atTime, viaObject.atTime);
  if (same) rec.record('errors', item, 'extension');
  else rec.record('errors', item, 'failed', 'atTime string must equal the object form', null, null);
}

function runNonRegular(rec: Recorder, item: Item): void {
  const c = item.data;
  try {
    const s = Schedule.create({ ...caseOptions(c, rec.job.mode) });
    const now = c.now as number;
    const mtime = now - rec.job.header.mtimeBack;
    const rolloverAt = s.initialRollover(now, mtime);
    // bpo-45401 / #89564: a base path that is not a regular file never rotates, but the
    // schedule moves on so the check is not repeated on every record.
    const rolloverAtAfter = s.shouldRollover(rolloverAt, now) ? s.computeRollover(Math.trunc(now)) : rolloverAt;
    rec.check('nonRegular', item, 'directory as base file', c.expect, {
      mtime,
      rolloverAt,
      shouldRollover: false,
      rolloverAtAfter,
    });
  } catch (e) {
    rec.record('nonRegular', item, 'failed', 'threw', c.expect, errorJson(e));
  }
}

/**
 * An emitScenarios case replayed on the simulated folder: every file's [lines, first, last] and
 * the final rolloverAt. `keep` false is CPython 3.13's file handling, true is ours (see SimHandler).
 */
export function simulateEmitScenario(
  s: Schedule,
  c: Obj,
  base: string,
  keep: boolean,
): { result: Obj; skipped: number } {
  const folder = new FolderModel();
  const start = c.start as number;
  const h = new SimHandler(s, folder, base, makeNamer(c.namer ?? null, base), keep, start, null);
  for (let i = 0; i < (c.count as number); i++) {
    const clock = start + i * (c.step as number);
    if (s.shouldRollover(h.rolloverAt, clock)) h.doRollover(clock);
    folder.append(base, clock);
  }
  const files: Obj = {};
  for (const name of [...folder.files.keys()].sort()) {
    const lines = folder.files.get(name)!;
    files[name] = [lines.length, lines[0] ?? null, lines[lines.length - 1] ?? null];
  }
  return { result: { files, rolloverAt: h.rolloverAt }, skipped: h.skipped };
}

function runEmit(rec: Recorder, item: Item): void {
  const c = item.data;
  const exp = c.expect as Obj;
  try {
    const s = Schedule.create(caseOptions(c, rec.job.mode));
    const base = rec.job.header.base;
    // First the schedule alone must reproduce CPython exactly (with its file handling) ...
    const cpython = simulateEmitScenario(s, c, base, false);
    if (!deepEqual(exp, cpython.result)) {
      rec.record('emitScenarios', item, 'failed', 'emit() with CPython file handling', exp, cpython.result);
      return;
    }
    // ... then ours may differ only where CPython found a rotated name taken and stopped rotating
    // (3.13 returns from doRollover without moving rolloverAt): we keep going, losing no record.
    const ours = simulateEmitScenario(s, c, base, true).result;
    const kept = Object.values(ours.files as Obj).reduce((n: number, f) => n + ((f as number[])[0] ?? 0), 0);
    if (deepEqual(exp, ours)) rec.record('emitScenarios', item, 'passed');
    else if (cpython.skipped > 0 && kept === c.count) rec.record('emitScenarios', item, 'kept');
    else rec.record('emitScenarios', item, 'failed', 'emit() keeping existing targets', exp, ours);
  } catch (e) {
    rec.record('emitScenarios', item, 'failed', 'threw', exp, errorJson(e));
  }
}

function runDelete(rec: Recorder, item: Item): void {
  const c = item.data;
  const exp = c.expect as Obj;
  try {
    const s = Schedule.create({ when: c.when as When, timezone: zoneOption(rec, c) });
    const dir = `${SIM_DIR}/`;
    const base = c.base as string;
    const namer = makeNamer(c.namer ?? null, base);
    // The vectors' namers act on the full default path, as CPython's do.
    const paths = filesToDelete(
      dir + base,
      c.backupCount as number,
      s,
      namer && ((p: string) => dir + namer(p.slice(dir.length))),
      c.files as string[],
    );
    const got = paths.map((p) => (p.startsWith(dir) ? p.slice(dir.length) : p));
    rec.check('delete', item, 'getFilesToDelete', exp, { delete: got });
  } catch (e) {
    rec.record('delete', item, 'failed', 'threw', exp, errorJson(e));
  }
}

const RUNNERS: Record<Item['section'], (rec: Recorder, item: Item) => void> = {
  attrs: runAttrs,
  errors: runError,
  cases: runCase,
  nonRegular: runNonRegular,
  emitScenarios: runEmit,
  delete: runDelete,
};

function runJob(job: Job): JobResult {
  const rec = new Recorder(job);
  for (const item of job.items) RUNNERS[item.section](rec, item);
  return rec.result;
}

// ------------------------------------------------------------------ parent: loading, jobs --

// This module's URL: workers import it again (the CommonJS build rewrites import.meta.url).
// @ts-ignore -- TS1343 under tsconfig.cjs.json only
const SELF_URL: string = import.meta.url;

/** The vectors of a clone of the repository; the published package leaves test/ out. */
function defaultFiles(): string[] {
  const oracle = join(packageRoot(), 'test', 'fixtures', 'oracle');
  const files = ['rollover_vectors.json.gz', 'delete_vectors.json', 'size_vectors.json.gz'].map((f) => join(oracle, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(
      `no FILE given, and the default vectors are missing (${missing.join(', ')}): they are in a clone of the repository, not in the published package; pass vector files as arguments`,
    );
  }
  return files;
}

/** A vector file's JSON; gunzipped if its name ends in .gz. */
function readVectors(file: string): unknown {
  const raw = readFileSync(file);
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
}

interface Loaded {
  file: string;
  header: Header;
  items: Item[];
}

const ITEM_SECTIONS = ['attrs', 'errors', 'nonRegular', 'emitScenarios'] as const;

function loadVectors(file: string, doc: Obj): Loaded {
  const header: Header = {
    base: typeof doc.base === 'string' ? doc.base : DEFAULT_BASE,
    lateLag: typeof doc.lateLag === 'number' ? doc.lateLag : DEFAULT_LATE_LAG,
    mtimeBack: typeof doc.mtimeBack === 'number' ? doc.mtimeBack : DEFAULT_MTIME_BACK,
  };
  const items: Item[] = [];
  for (const section of ITEM_SECTIONS) {
    for (const data of (doc[section] as Obj[] | undefined) ?? []) items.push({ section, file, data });
  }
  for (const data of (doc.cases as Obj[] | undefined) ?? []) {
    // delete_vectors.json cases list a folder's files; rollover cases have a clock instead.
    items.push({ section: Array.isArray(data.files) && 'backupCount' in data ? 'delete' : 'cases', file, data });
  }
  if (items.length === 0) throw new Error(`${file}: no vectors found (expected the trfh-oracle schema)`);
  return { file, header, items };
}

function itemZone(item: Item): string {
  return typeof item.data.tz === 'string' ? item.data.tz : 'UTC';
}

/** One child per (file, zone) in env mode; per (file, process TZ) in option mode. */
function planJobs(loaded: Loaded[], modes: ZoneMode[]): Job[] {
  const jobs = new Map<string, Job>();
  for (const { file, header, items } of loaded) {
    for (const mode of modes) {
      for (const item of items) {
        const zone = itemZone(item);
        const processTz =
          mode === 'env' ? zone : zone === OPTION_MODE_PROCESS_TZ ? OPTION_MODE_FALLBACK_TZ : OPTION_MODE_PROCESS_TZ;
        const key = `${mode}\0${file}\0${processTz}`;
        let job = jobs.get(key);
        if (!job) jobs.set(key, (job = { mode, processTz, header, items: [] }));
        job.items.push(item);
      }
    }
  }
  return [...jobs.values()];
}

function runChild(job: Job): Promise<JobResult> {
  const script = `import(${JSON.stringify(SELF_URL)}).then(async (m) => { process.exitCode = await m.main(['--worker']); });`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TZ: job.processTz },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker (TZ=${job.processTz}, ${job.mode}) exited with ${code}`));
      try {
        resolvePromise(JSON.parse(Buffer.concat(out).toString('utf8')) as JobResult);
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}

async function runPool(jobs: Job[]): Promise<JobResult[]> {
  const results: JobResult[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runChild(jobs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), jobs.length) }, lane));
  return results;
}

// ------------------------------------------------------------------ report --

function addCounts(into: Counts, from: Counts): void {
  for (const s of SECTIONS) for (const k of Object.keys(COLUMNS) as Status[]) into[s][k] += from[s][k];
}

function table(title: string, counts: Counts): string {
  const statuses = Object.keys(COLUMNS) as Status[];
  const head = ['section', ...statuses.map((s) => COLUMNS[s])];
  const rows = SECTIONS.filter((s) => statuses.some((k) => counts[s][k] > 0)).map((s) => [
    s,
    ...statuses.map((k) => String(counts[s][k])),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [title, line(head), ...rows.map(line)].join('\n');
}

function showFailures(failures: Failure[], show: number): string {
  const out: string[] = [];
  const perSection = new Map<string, number>();
  for (const f of failures) {
    const key = `${f.mode}/${f.section}`;
    const n = perSection.get(key) ?? 0;
    perSection.set(key, n + 1);
    if (n >= show) continue;
    out.push(`FAIL ${f.section} ${f.id} [${f.mode}${f.tz ? ` ${f.tz}` : ''}] ${f.detail} (${f.file})`);
    out.push(`  expected: ${JSON.stringify(f.expected)}`);
    out.push(`  got:      ${JSON.stringify(f.got)}`);
  }
  return out.join('\n');
}

interface Args {
  files: string[];
  modes: ZoneMode[];
  show: number;
  worker: boolean;
  help: boolean;
}

function parseConformanceArgs(argv: string[]): Args {
  // No positional limit: any number of vector files.
  const { flags, positionals } = parseArgs(
    argv,
    { help: 'bool', worker: 'bool', 'zone-mode': 'string', show: 'int' },
    { positionals: Infinity },
  );
  const a: Args = {
    files: positionals.map((f) => resolve(f)),
    modes: ['env', 'option'],
    show: DEFAULT_SHOW,
    worker: flags.worker === true,
    help: flags.help === true,
  };
  const mode = flags['zone-mode'];
  if (mode === 'env' || mode === 'option') a.modes = [mode];
  else if (mode !== undefined && mode !== 'both')
    throw new UsageError(`--zone-mode must be env, option or both, not ${JSON.stringify(mode)}`);
  if (typeof flags.show === 'number') a.show = flags.show;
  return a;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseConformanceArgs(argv);
  } catch (e) {
    process.stderr.write(`conformance: ${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.worker) {
    process.stdout.write(JSON.stringify(runJob(JSON.parse(await readStdin()) as Job)));
    return 0;
  }
  let loaded: Loaded[];
  const sized: Array<{ file: string; cases: SizeCase[] }> = [];
  try {
    const files = args.files.length ? args.files : defaultFiles();
    loaded = [];
    for (const file of files) {
      const doc = readVectors(file);
      if (isSizeVectors(doc)) sized.push({ file, cases: doc.cases });
      else loaded.push(loadVectors(file, doc as Obj));
    }
  } catch (e) {
    process.stderr.write(`conformance: ${(e as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const jobs = planJobs(loaded, args.modes);
  const results = await runPool(jobs);
  const total = emptyCounts();
  const failures: Failure[] = [];
  let passed = 0;
  let failed = 0;
  for (const { file, cases } of sized) {
    const r = await runSizeVectors(cases);
    process.stdout.write(`${sizeReport(file, r, args.show)}\n\n`);
    passed += r.counts.passed + r.counts.kept;
    failed += r.counts.failed;
  }
  for (const mode of loaded.length ? args.modes : []) {
    const counts = emptyCounts();
    jobs.forEach((job, i) => {
      if (job.mode !== mode) return;
      addCounts(counts, results[i].counts);
      failures.push(...results[i].failures);
    });
    addCounts(total, counts);
    const how =
      mode === 'env'
        ? 'process TZ = the case zone'
        : `timezone option = the case zone, process TZ = ${OPTION_MODE_PROCESS_TZ}`;
    process.stdout.write(`${table(`zone mode ${mode} (${how})`, counts)}\n\n`);
  }
  if (failures.length) process.stdout.write(`${showFailures(failures, args.show)}\n\n`);
  for (const s of SECTIONS) {
    passed += total[s].passed + total[s].kept + total[s].rejected + total[s].extension;
    failed += total[s].failed;
  }
  process.stdout.write(
    `files: ${[...sized, ...loaded].map((l) => l.file).join(', ')} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

/** The size vectors' table, in the same layout as the timed sections', and their first failures. */
function sizeReport(file: string, r: SizeResult, show: number): string {
  const head = ['section', 'passed', 'kept (deviation)', 'failed'];
  const row = ['size', String(r.counts.passed), String(r.counts.kept), String(r.counts.failed)];
  const widths = head.map((h, i) => Math.max(h.length, row[i]!.length));
  const line = (cells: string[]) =>
    cells.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = ['RotatingFileHandler (ConcurrentRotatingFileHandler on real files)', line(head), line(row)];
  for (const f of r.failures.slice(0, show)) {
    out.push(
      `FAIL size ${f.id} ${f.detail} (${file})`,
      `  expected: ${JSON.stringify(f.expected)}`,
      `  got:      ${JSON.stringify(f.got)}`,
    );
  }
  return out.join('\n');
}
