// The stress-run verifier as a library: the same counts, with the same definitions, as the
// independent `../shared/stress/verify.py` (lost, duplicated, torn, misplaced), read the same way,
// but streamed chunk by chunk so that a 500k-line run is checked in well under a second.
//
// Every record's message is `<level>-<task>-<i>` with level in debug|info|警告|报错|严重.
// A line is either the seed's text format (`YYYY-MM-DD HH:MM:SS[,mmm] - ... : <message>`, its
// timestamp read in the process's local zone, or UTC with `utc`) or a JSON object with `msg`
// (or `message`) and `time` (or `timestamp`, epoch ms).
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { compareCodePoints } from '../time/schedule.js';
import { daysInMonth } from '../time/zone.js';

export const LEVELS = ['debug', 'info', '警告', '报错', '严重'] as const;

export interface VerifyOptions {
  /** Tasks in the run (records of tasks >= this are not counted as expected). Default 100. */
  tasks?: number;
  /** Iterations per task. Default 1000. */
  n?: number;
  /** The handler's `when`: S, M, H, D, MIDNIGHT or W0-W6 (day suffix). Default 'S'. */
  when?: string;
  /** The handler's `interval`. Default 1. */
  interval?: number;
  /** Read timestamps and rotated-file suffixes as UTC instead of local time. */
  utc?: boolean;
  /**
   * Read every regular file in the base file's folder whose name starts with the base name's stem
   * (for peers that name rotated files their own way); no misplaced check.
   */
  all?: boolean;
  /** How many torn examples to keep (default 5, as verify.py prints). */
  maxExamples?: number;
}

export interface TornExample {
  /** The file's name (no folder). */
  file: string;
  /** 'no trailing newline', the line's first 120 characters, or a Python bytes repr for invalid UTF-8. */
  example: string;
}

export interface VerifyCounts {
  files: number;
  rotated: number;
  lines: number;
  expected: number;
  unique: number;
  missing: number;
  duplicated: number;
  torn: number;
  misplaced: number;
}

export interface VerifyResult extends VerifyCounts {
  /** No line lost, duplicated or torn (misplaced is reported, not judged). */
  ok: boolean;
  /** The first few torn lines, in verify.py's order. */
  tornExamples: TornExample[];
  /** The files read, in the order read (sorted names). */
  fileNames: string[];
}

/** The keys of {@link VerifyCounts} in verify.py's order (its JSON and table). */
export const VERIFY_KEYS: readonly (keyof VerifyCounts)[] = [
  'files',
  'rotated',
  'lines',
  'expected',
  'unique',
  'missing',
  'duplicated',
  'torn',
  'misplaced',
];

interface Unit {
  pattern: string;
  seconds: number;
  parse: (m: RegExpExecArray) => [number, number, number, number, number, number];
}

const UNITS: Record<string, Unit> = {
  S: { pattern: '(\\d{4})-(\\d{2})-(\\d{2})_(\\d{2})-(\\d{2})-(\\d{2})', seconds: 1, parse: (m) => nums(m, 6) },
  M: { pattern: '(\\d{4})-(\\d{2})-(\\d{2})_(\\d{2})-(\\d{2})', seconds: 60, parse: (m) => nums(m, 5) },
  H: { pattern: '(\\d{4})-(\\d{2})-(\\d{2})_(\\d{2})', seconds: 3600, parse: (m) => nums(m, 4) },
  D: { pattern: '(\\d{4})-(\\d{2})-(\\d{2})', seconds: 86400, parse: (m) => nums(m, 3) },
};

function nums(m: RegExpExecArray, k: number): [number, number, number, number, number, number] {
  const out: [number, number, number, number, number, number] = [0, 1, 1, 0, 0, 0];
  for (let j = 0; j < k; j++) out[j] = Number(m[j + 1]);
  return out;
}

/** The suffix unit and period (seconds) for a `when` (verify.py: first letter, MIDNIGHT -> D; W -> D and 7 days). */
export function unitFor(when: string, interval: number): { unit: Unit; period: number } | null {
  const w = when.toUpperCase();
  let key = w === 'MIDNIGHT' ? 'D' : w.charAt(0);
  let days = 1;
  if (/^W[0-6]$/.test(w)) {
    key = 'D';
    days = 7;
  }
  const unit = UNITS[key];
  if (!unit) return null;
  return { unit, period: unit.seconds * days * interval };
}

/**
 * time.strptime + time.mktime (or calendar.timegm with utc): seconds since the epoch, or null where
 * strptime would refuse the fields (verify.py would stop with a traceback there).
 */
export function toEpoch(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  utc: boolean,
): number | null {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 61) return null;
  if (d > daysInMonth(y, mo)) return null;
  if (utc) return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  if (y >= 100) return new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;
  const dt = new Date(2000, mo - 1, d, h, mi, s);
  dt.setFullYear(y, mo - 1, d); // years 0-99 without Date's 1900 offset
  return dt.getTime() / 1000;
}

// The patterns of verify.py. `s` makes `.` match like Python's (anything but '\n', which lines lack);
// the message's `$` in Python also matches before one final '\n' (a JSON msg may end with one).
const TEXT =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)? - .*: (debug|info|警告|报错|严重)-(\d+)-(\d+)$/su;
const MSG = /(debug|info|警告|报错|严重)-(\d+)-(\d+)(?=\n?$)/u;
const LEVEL_INDEX = new Map<string, number>(LEVELS.map((l, i) => [l, i]));

/** How much of a torn line an example shows: verify.py's `line[:120]`. */
const TORN_EXAMPLE_CHARS = 120;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Python's int(digits) as a canonical string (leading zeros dropped). */
function canon(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return i ? digits.slice(i) : digits;
}

/** Python's repr() of a bytes object. */
export function bytesRepr(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const q = hasSingle && !hasDouble ? '"' : "'";
  let out = 'b' + q;
  for (const c of b) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === q.charCodeAt(0)) out += '\\' + q;
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + q;
}

/** The first `k` code points of a string (Python's `s[:k]`). */
function head(s: string, k: number): string {
  if (s.length <= k) return s;
  let out = '';
  let cps = 0;
  for (const ch of s) {
    if (cps++ === k) break;
    out += ch;
  }
  return out;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Counts the records of every record counter key: in-range keys in a flat typed array (fast),
 * anything else (tasks >= `tasks`, i >= `n`, or huge numbers) in a map.
 */
class Seen {
  readonly counts: Uint32Array | null;
  readonly other = new Map<string, number>();
  constructor(
    readonly tasks: number,
    readonly n: number,
  ) {
    const size = LEVELS.length * tasks * n;
    this.counts = size > 0 && size <= 64 * 1024 * 1024 ? new Uint32Array(size) : null;
  }
  add(level: string, task: string, i: string): void {
    const t = canon(task);
    const k = canon(i);
    if (this.counts && t.length < 16 && k.length < 16) {
      const tn = Number(t);
      const kn = Number(k);
      if (tn < this.tasks && kn < this.n) {
        this.counts[(LEVEL_INDEX.get(level)! * this.tasks + tn) * this.n + kn]!++;
        return;
      }
    }
    const key = `${level}-${t}-${k}`;
    this.other.set(key, (this.other.get(key) ?? 0) + 1);
  }
  /** [unique in range, duplicates (of any key)]. */
  totals(): [number, number] {
    let unique = 0;
    let dup = 0;
    if (this.counts) {
      for (const c of this.counts) {
        if (c > 0) {
          unique++;
          dup += c - 1;
        }
      }
    }
    for (const [key, c] of this.other) {
      if (c > 1) dup += c - 1;
      if (!this.counts) {
        const [, t, k] = /^.*?-(\d+)-(\d+)$/u.exec(key)!;
        if (lessThan(t!, this.tasks) && lessThan(k!, this.n)) unique++;
      }
    }
    return [unique, dup];
  }
}

function lessThan(digits: string, bound: number): boolean {
  if (digits.length > 17) return false;
  return Number(digits) < bound;
}

interface FileEntry {
  name: string;
  /** Period start (epoch seconds) named by a rotated file's suffix; null for the base file or with `all`. */
  start: number | null;
}

/** Lists the files verify.py would read, in its order. */
export async function listRunFiles(
  baseFile: string,
  opts: VerifyOptions = {},
): Promise<{ dir: string; files: FileEntry[] }> {
  const when = opts.when ?? 'S';
  const interval = opts.interval ?? 1;
  const utc = opts.utc ?? false;
  const u = unitFor(when, interval);
  if (!u) throw new RangeError(`verify: unsupported when '${when}' (S, M, H, D, MIDNIGHT, W0-W6)`);
  const abs = resolve(baseFile);
  const dir = dirname(abs);
  const name = basename(abs);
  const rot = new RegExp(
    '^' + name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '\\.' + u.unit.pattern + '(\\.[\\p{L}\\p{N}_]+)?$',
    'u',
  );
  const dot = name.lastIndexOf('.');
  const stem = dot >= 0 ? name.slice(0, dot) : name;
  // Python sorts by code point; compare that way rather than by UTF-16 unit.
  const names = (await readdir(dir)).sort(compareCodePoints);
  const files: FileEntry[] = [];
  for (const f of names) {
    if (opts.all) {
      if (f.startsWith(stem) && !f.endsWith('.lock') && !f.endsWith('.json')) {
        const st = await stat(join(dir, f)).catch(() => null);
        if (st?.isFile()) files.push({ name: f, start: null });
      }
      continue;
    }
    if (f === name) {
      files.push({ name: f, start: null });
      continue;
    }
    const m = rot.exec(f);
    if (m) {
      const [y, mo, d, h, mi, s] = u.unit.parse(m);
      const start = toEpoch(y, mo, d, h, mi, s, utc);
      if (start !== null) files.push({ name: f, start });
    }
  }
  return { dir, files };
}

const CHUNK = 1 << 20;

/**
 * Verifies the files of a stress run whose base file is `baseFile` (its rotated siblings are found
 * in the same folder), with the definitions of verify.py:
 * - lines: non-empty pieces between '\n' bytes; a file whose last byte is not '\n' counts one torn;
 * - torn: a line that is not valid UTF-8, or matches neither the text format nor a JSON object
 *   with a record message;
 * - unique: distinct (level, task, i) with task < tasks and i < n; missing = 5*tasks*n - unique;
 * - duplicated: the extra copies of every key;
 * - misplaced: a record in a rotated file whose timestamp is outside the period its suffix names.
 */
/** One record read back: its id fields and its time (seconds), or null when the line has none. */
interface ParsedRecord {
  level: string;
  task: string;
  idx: string;
  ts: number | null;
}

/**
 * verify.py's reading of one line: the seed's text format or a JSON line with a `msg`/`message`.
 * `null`: the line is torn. Text timestamps repeat for a whole second: the last one is cached.
 */
class LineParser {
  private lastStamp = '';
  private lastEpoch: number | null = null;
  constructor(private readonly utc: boolean) {}

  parse(line: string): ParsedRecord | null {
    const m = TEXT.exec(line);
    if (m) {
      const stamp = line.slice(0, 19);
      if (stamp !== this.lastStamp) {
        this.lastStamp = stamp;
        this.lastEpoch = toEpoch(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, this.utc);
      }
      // A date strptime would refuse (verify.py stops there) counts as torn.
      if (this.lastEpoch === null) return null;
      return { level: m[7]!, task: m[8]!, idx: m[9]!, ts: this.lastEpoch };
    }
    if (line.charCodeAt(0) !== 0x7b /* { */) return null;
    let o: Record<string, unknown>;
    let mm: RegExpExecArray | null = null;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
      if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
        const msg = hasOwn(o, 'msg') ? o['msg'] : hasOwn(o, 'message') ? o['message'] : '';
        if (typeof msg === 'string') mm = MSG.exec(msg);
      }
    } catch {
      o = {};
    }
    if (!mm) return null;
    const t = hasOwn(o, 'time') ? o['time'] : o['timestamp'];
    // Python's isinstance(t, (int, float)) also takes booleans.
    const ts = typeof t === 'number' || typeof t === 'boolean' ? Number(t) / 1000 : null;
    return { level: mm[1]!, task: mm[2]!, idx: mm[3]!, ts };
  }
}

/** Calls `onLine(buf, start, end)` for every '\n'-separated line of the file (the last one too). */
async function forEachLine(path: string, onLine: (raw: Buffer, a: number, b: number) => void): Promise<void> {
  const fh = await open(path, 'r');
  try {
    let carry: Buffer | null = null;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      let data: Buffer = buf.subarray(0, bytesRead);
      if (carry) {
        data = Buffer.concat([carry, data]);
        carry = null;
      }
      let pos = 0;
      for (let nl = data.indexOf(0x0a, pos); nl >= 0; nl = data.indexOf(0x0a, pos)) {
        if (nl > pos) onLine(data, pos, nl);
        pos = nl + 1;
      }
      if (pos < data.length) carry = Buffer.from(data.subarray(pos));
    }
    if (carry && carry.length > 0) onLine(carry, 0, carry.length);
  } finally {
    await fh.close();
  }
}

/** Whether a file is empty or ends in '\n' (verify.py reports a missing one first). */
async function endsWithNewline(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await fh.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

export async function verifyRun(baseFile: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const tasks = opts.tasks ?? 100;
  const n = opts.n ?? 1000;
  const maxExamples = opts.maxExamples ?? 5;
  const { period } = unitFor(opts.when ?? 'S', opts.interval ?? 1) ?? { period: 1 };
  const { dir, files } = await listRunFiles(baseFile, opts);
  const parser = new LineParser(opts.utc ?? false);
  const seen = new Seen(tasks, n);
  let torn = 0;
  let misplaced = 0;
  let lines = 0;
  const tornExamples: TornExample[] = [];
  const tear = (file: string, example: () => string): void => {
    torn++;
    if (tornExamples.length < maxExamples) tornExamples.push({ file, example: example() });
  };
  /** A record belongs to the rotated file named for `start` if its time is in that period. */
  const inPeriod = (start: number, ts: number): boolean =>
    (start <= ts && ts < start + period + 1e-9) || Math.trunc(ts) === Math.trunc(start);

  for (const { name, start } of files) {
    if (!(await endsWithNewline(join(dir, name)))) tear(name, () => 'no trailing newline');
    await forEachLine(join(dir, name), (raw, a, b) => {
      lines++;
      let line = raw.toString('utf8', a, b);
      if (line.includes('\ufffd')) {
        try {
          line = strict.decode(raw.subarray(a, b));
        } catch {
          tear(name, () => bytesRepr(raw.subarray(a, Math.min(b, a + TORN_EXAMPLE_CHARS))));
          return;
        }
      }
      const r = parser.parse(line);
      if (r === null) {
        tear(name, () => head(line, TORN_EXAMPLE_CHARS));
        return;
      }
      seen.add(r.level, r.task, r.idx);
      if (start !== null && r.ts !== null && !inPeriod(start, r.ts)) misplaced++;
    });
  }

  const expected = LEVELS.length * tasks * n;
  const [unique, duplicated] = seen.totals();
  const missing = expected - unique;
  return {
    files: files.length,
    rotated: files.length - (files.some((f) => f.start === null) ? 1 : 0),
    lines,
    expected,
    unique,
    missing,
    duplicated,
    torn,
    misplaced,
    ok: missing === 0 && duplicated === 0 && torn === 0,
    tornExamples,
    fileNames: files.map((f) => f.name),
  };
}

/** verify.py's `--json` line: its nine counts, in its order, with Python's separators. */
export function formatVerifyJson(r: VerifyCounts): string {
  return '{' + VERIFY_KEYS.map((k) => `"${k}": ${r[k]}`).join(', ') + '}';
}

/** verify.py's readable output: the table, up to five torn examples, and the OK/FAIL line. */
export function formatVerifyTable(r: VerifyResult): string {
  const rows = VERIFY_KEYS.map((k) => `${k.padStart(10)}: ${r[k]}`);
  for (const { file, example } of r.tornExamples.slice(0, 5)) rows.push(`  torn in ${file}: ${example}`);
  rows.push(formatVerifyVerdict(r));
  return rows.join('\n') + '\n';
}

/** `OK lost=0 dup=0 torn=0 misplaced=0` (or FAIL ...), as verify.py's last line. */
export function formatVerifyVerdict(r: VerifyCounts): string {
  const ok = r.missing === 0 && r.duplicated === 0 && r.torn === 0;
  return `${ok ? 'OK' : 'FAIL'} lost=${r.missing} dup=${r.duplicated} torn=${r.torn} misplaced=${r.misplaced}`;
}
