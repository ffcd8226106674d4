// The rotation schedule of CPython's logging.handlers.TimedRotatingFileHandler (3.11), as pure
// functions of epoch seconds: when the next rollover is due, what the rotated file is called,
// and which old files a rollover deletes. No I/O happens here; the handler does that.
//
// The method bodies follow CPython's __init__ / computeRollover / doRollover line by line, so
// that their quirks (DST "addend" hours, int() truncation, MIDNIGHT with atTime equal to the
// current second) are reproduced exactly. ../shared/oracle holds CPython's own results.
import {
  gmtime, daysFromCivil, localZone, zoneByName, UnknownTimezoneError, DAYS_PER_WEEK, SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE,
} from './zone.js';
import type { BrokenDownTime, Zone } from './zone.js';
import { strftime } from './strftime.js';

import { ConfigError, describe } from '../errors.js';
export { strftime } from './strftime.js';
export { ConfigError } from '../errors.js';
export type { BrokenDownTime } from './zone.js';

export interface AtTime {
  hour: number;
  minute: number;
  second: number;
  /** Accepted like datetime.time's, and ignored like CPython ignores it. */
  microsecond?: number;
}

/** CPython's `when` values in upper case. */
export type WhenUnit = 'S' | 'M' | 'H' | 'D' | 'MIDNIGHT' | `W${0 | 1 | 2 | 3 | 4 | 5 | 6}`;
/** `when` as it is written: upper case, lower case or capitalized ('midnight', 'Midnight', 'w0'). */
export type When = WhenUnit | Lowercase<WhenUnit> | Capitalize<Lowercase<WhenUnit>>;

export interface ScheduleOptions {
  /** S, M, H, D, MIDNIGHT or W0-W6 (W0 = Monday), any case. Default 'h', as in CPython. */
  when?: When;
  /** How many `when` units per period: a positive integer. Default 1. */
  interval?: number;
  /** Compute in UTC instead of local time. */
  utc?: boolean;
  /** Time of day of MIDNIGHT/W rollovers, as an object or "HH:MM[:SS[.ffffff]]". */
  atTime?: AtTime | string | null;
  /** IANA zone to use instead of the process's local zone (TZ). Not in CPython. */
  timezone?: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** CPython's _MIDNIGHT: seconds in a day. */
const MIDNIGHT = SECONDS_PER_DAY;
/** CPython's DST correction: a whole hour, whatever the zone's real DST shift (Lord Howe: 30 min). */
const DST_ADDEND = SECONDS_PER_HOUR;
const MAX_MICROSECOND = 999_999;
const MICROSECOND_DIGITS = 6;

interface Unit {
  seconds: number;
  suffix: string;
  extMatch: string;
}

// CPython's table in TimedRotatingFileHandler.__init__ (suffix and extMatch verbatim).
const UNITS: Record<'S' | 'M' | 'H' | 'D' | 'W', Unit> = {
  S: { seconds: 1, suffix: '%Y-%m-%d_%H-%M-%S', extMatch: '^\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}(\\.\\w+)?$' },
  M: { seconds: SECONDS_PER_MINUTE, suffix: '%Y-%m-%d_%H-%M', extMatch: '^\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}(\\.\\w+)?$' },
  H: { seconds: SECONDS_PER_HOUR, suffix: '%Y-%m-%d_%H', extMatch: '^\\d{4}-\\d{2}-\\d{2}_\\d{2}(\\.\\w+)?$' },
  D: { seconds: SECONDS_PER_DAY, suffix: '%Y-%m-%d', extMatch: '^\\d{4}-\\d{2}-\\d{2}(\\.\\w+)?$' },
  W: { seconds: SECONDS_PER_DAY * DAYS_PER_WEEK, suffix: '%Y-%m-%d', extMatch: '^\\d{4}-\\d{2}-\\d{2}(\\.\\w+)?$' },
};

/** CPython's `when` validation, with its exact messages. */
function parseWhen(raw: unknown): { when: string; unit: Unit; dayOfWeek: number | null } {
  if (typeof raw !== 'string') {
    throw new ConfigError('when', raw, `Invalid rollover interval specified: option 'when' must be a string, got ${describe(raw)}`);
  }
  // str.upper() and toUpperCase() agree on the special cases that matter ('ſ' -> 'S', 'ı' -> 'I').
  const when = raw.toUpperCase();
  if (when === 'S' || when === 'M' || when === 'H' || when === 'D') return { when, unit: UNITS[when], dayOfWeek: null };
  if (when === 'MIDNIGHT') return { when, unit: UNITS.D, dayOfWeek: null };
  if (when.startsWith('W')) {
    // Python's len() and indexing count code points, not UTF-16 units.
    const chars = Array.from(when);
    if (chars.length !== 2) {
      throw new ConfigError('when', raw, `You must specify a day for weekly rollover from 0 to 6 (0 is Monday): ${when}`);
    }
    if (chars[1] < '0' || chars[1] > '6') {
      throw new ConfigError('when', raw, `Invalid day specified for weekly rollover: ${when}`);
    }
    return { when, unit: UNITS.W, dayOfWeek: Number(chars[1]) };
  }
  throw new ConfigError('when', raw, `Invalid rollover interval specified: ${when}`);
}

function parseInterval(raw: unknown): number {
  if (raw === undefined) return 1;
  // CPython accepts 0, negatives, floats and True; 0 and negatives make doRollover spin forever,
  // so a Node caller gets an error instead.
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw <= 0) {
    throw new ConfigError('interval', raw, `Invalid rollover interval: option 'interval' must be a positive integer, got ${describe(raw)}`);
  }
  return raw;
}

/**
 * "HH:MM[:SS[.ffffff]]". A UTC offset is refused: CPython's handler ignores an atTime's tzinfo, and
 * a user writing one would expect it to count.
 */
const AT_TIME_PATTERN = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;
const AT_TIME_LIMITS = { hour: 23, minute: 59, second: 59 } as const;

function badAtTime(raw: unknown): ConfigError {
  return new ConfigError(
    'atTime',
    raw,
    `Invalid atTime: option 'atTime' must be {hour, minute, second[, microsecond]} or "HH:MM[:SS[.ffffff]]", got ${describe(raw)}`,
  );
}

/** The `atTime` option as CPython's handler uses it (null when absent); throws ConfigError. */
export function parseAtTime(raw: unknown): AtTime | null {
  if (raw === undefined || raw === null) return null;
  let at: AtTime;
  if (typeof raw === 'string') {
    const m = AT_TIME_PATTERN.exec(raw);
    if (!m) throw badAtTime(raw);
    at = {
      hour: Number(m[1]),
      minute: Number(m[2]),
      second: Number(m[3] ?? 0),
      microsecond: Number((m[4] ?? '').padEnd(MICROSECOND_DIGITS, '0')),
    };
  } else if (typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    at = { hour: o.hour as number, minute: o.minute as number, second: o.second as number, microsecond: (o.microsecond ?? 0) as number };
  } else {
    throw badAtTime(raw);
  }
  const inRange = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (
    !inRange(at.hour, AT_TIME_LIMITS.hour) ||
    !inRange(at.minute, AT_TIME_LIMITS.minute) ||
    !inRange(at.second, AT_TIME_LIMITS.second) ||
    !inRange(at.microsecond, MAX_MICROSECOND)
  ) {
    throw badAtTime(raw);
  }
  return Object.freeze(at);
}

function parseZone(raw: unknown): Zone | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') {
    throw new ConfigError('timezone', raw, `Unknown timezone: option 'timezone' must be an IANA zone name, got ${describe(raw)}`);
  }
  try {
    return zoneByName(raw);
  } catch (e) {
    if (e instanceof UnknownTimezoneError) throw new ConfigError('timezone', raw, e.message);
    throw e;
  }
}

export class Schedule {
  /** Upper-cased, as CPython's handler.when. */
  readonly when: string;
  /** Seconds per period: CPython's handler.interval (unit seconds x interval). */
  readonly interval: number;
  /** strftime format of the rotated-name suffix. */
  readonly suffix: string;
  /** Matches one dot-separated part of a rotated name (CPython's extMatch, re.ASCII semantics). */
  readonly extMatch: RegExp;
  /** 0 = Monday, for W0-W6; otherwise null. */
  readonly dayOfWeek: number | null;
  readonly utc: boolean;
  readonly atTime: AtTime | null;
  /** The `timezone` option, or null for the process's local zone. */
  readonly timezone: string | null;
  /**
   * The options that make this schedule, as one canonical string: kept with the rotation state so
   * that a process started with another schedule sees it, and can rebuild this one (`fromKey`).
   */
  readonly key: string;
  readonly #zone: Zone;
  /** MIDNIGHT and W* roll at a time of day; S/M/H/D roll `interval` after the last one. */
  readonly #byTimeOfDay: boolean;

  private constructor(opts: ScheduleOptions) {
    const { when, unit, dayOfWeek } = parseWhen(opts.when === undefined ? 'h' : opts.when);
    const interval = parseInterval(opts.interval);
    if (opts.utc !== undefined && typeof opts.utc !== 'boolean') {
      throw new ConfigError('utc', opts.utc, `Invalid utc: option 'utc' must be a boolean, got ${describe(opts.utc)}`);
    }
    this.when = when;
    this.interval = unit.seconds * interval;
    this.suffix = unit.suffix;
    this.extMatch = new RegExp(unit.extMatch);
    this.dayOfWeek = dayOfWeek;
    this.utc = opts.utc ?? false;
    this.atTime = parseAtTime(opts.atTime);
    const zone = parseZone(opts.timezone);
    this.timezone = zone ? zone.name : null;
    // Resolved once, like glibc reads TZ once: a later change of process.env.TZ does not move
    // an existing schedule. (With utc the zone only matters to nothing: CPython ignores it.)
    this.#zone = zone ?? localZone();
    this.#byTimeOfDay = when === 'MIDNIGHT' || when.startsWith('W');
    const at = this.atTime;
    this.key = JSON.stringify({
      when, interval, utc: this.utc, atTime: at && `${pad2(at.hour)}:${pad2(at.minute)}:${pad2(at.second)}`, timezone: this.timezone,
    });
  }

  /** The schedule whose `key` this is. */
  static fromKey(key: string): Schedule {
    const o = JSON.parse(key) as { when: string; interval: number; utc: boolean; atTime: string | null; timezone: string | null };
    return new Schedule({ when: o.when as When, interval: o.interval, utc: o.utc, atTime: o.atTime, timezone: o.timezone ?? undefined });
  }

  static create(opts: ScheduleOptions = {}): Schedule {
    if (opts === null || typeof opts !== 'object') {
      throw new ConfigError('options', opts, `Invalid options: expected an object, got ${describe(opts)}`);
    }
    return new Schedule(opts);
  }

  /** time.gmtime() if utc, else time.localtime() in the schedule's zone. */
  localtime(t: number): BrokenDownTime {
    return this.utc ? gmtime(t) : this.#zone.localtime(t);
  }

  /** tm_isdst in the schedule's zone; CPython reads it with localtime() even when utc is set. */
  #isdst(t: number): number {
    return this.#zone.localtime(t).isdst;
  }

  /** CPython's computeRollover(currentTime), line for line. */
  computeRollover(currentTime: number): number {
    const result = currentTime + this.interval;
    if (!this.#byTimeOfDay) return result;

    const t = this.localtime(currentTime);
    const rotateTs = this.atTime === null ? MIDNIGHT : (this.atTime.hour * 60 + this.atTime.minute) * 60 + this.atTime.second;
    // r: seconds from now to the next rotation time of day, by the wall clock (so a DST change
    // tonight makes it off by the DST shift; CPython corrects W below and in nextRollover).
    let r = rotateTs - ((t.hour * 60 + t.minute) * 60 + t.second);
    let currentDay = t.wday;
    if (r < 0) {
      r += MIDNIGHT;
      currentDay = (currentDay + 1) % DAYS_PER_WEEK;
    }
    const atTimeOfDay = currentTime + r;
    if (this.dayOfWeek === null || currentDay === this.dayOfWeek) return atTimeOfDay;

    const daysToWait = currentDay < this.dayOfWeek ? this.dayOfWeek - currentDay : DAYS_PER_WEEK - 1 - currentDay + this.dayOfWeek + 1;
    let newRolloverAt = atTimeOfDay + daysToWait * SECONDS_PER_DAY;
    if (!this.utc) newRolloverAt += this.#dstAddend(t.isdst, this.#isdst(newRolloverAt));
    return newRolloverAt;
  }

  /** CPython's DST fix: an hour less if DST starts before the rollover, an hour more if it ends. */
  #dstAddend(dstNow: number, dstAtRollover: number): number {
    if (dstNow === dstAtRollover) return 0;
    return dstNow ? DST_ADDEND : -DST_ADDEND;
  }

  /**
   * The first rolloverAt (CPython __init__): from the base file's mtime if it exists, else from
   * int(now). mtime is floored to whole seconds, as os.stat()[ST_MTIME] is.
   */
  initialRollover(now: number, mtime: number | null): number {
    return this.computeRollover(mtime === null ? Math.trunc(now) : Math.floor(mtime));
  }

  /** CPython's shouldRollover time test: int(time.time()) >= rolloverAt. */
  shouldRollover(rolloverAt: number, currentTime: number): boolean {
    return Math.trunc(currentTime) >= rolloverAt;
  }

  /** doRollover's new rolloverAt, computed at the (truncated) time of the rollover. */
  nextRollover(currentTime: number): number {
    const now = Math.trunc(currentTime);
    let newRolloverAt = this.computeRollover(now);
    while (newRolloverAt <= now) newRolloverAt += this.interval;
    if (this.#byTimeOfDay && !this.utc) {
      newRolloverAt += this.#dstAddend(this.#isdst(now), this.#isdst(newRolloverAt));
    }
    return newRolloverAt;
  }

  /**
   * The time a rotated name's date part says (epoch seconds), read back in this schedule's zone (or
   * UTC); null if `part` is not one of our suffixes. For retention by age: around a DST change it
   * may be off by the change, as the name itself is ambiguous then.
   */
  suffixTime(part: string): number | null {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:_(\d{2})(?:-(\d{2})(?:-(\d{2}))?)?)?$/.exec(part);
    if (!m) return null;
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
    const wall = daysFromCivil(+y!, +mo!, +d!) * SECONDS_PER_DAY + (+h * 60 + +mi) * 60 + +s;
    if (this.utc) return wall;
    // The instant whose local time is `wall`: correct by the offset, then by the offset there.
    const guess = wall - this.#zone.localtime(wall).utoff;
    return wall - this.#zone.localtime(guess).utoff;
  }

  /** The time the file rotated at rolloverAt is named for (its period's start). */
  periodStart(rolloverAt: number): number {
    return rolloverAt - this.interval;
  }

  /**
   * doRollover's date suffix for the file rotated at rolloverAt, the rollover running at
   * currentTime: the period start's local time, shifted an hour if DST differs between then
   * and now (CPython's correction, applied to every `when`).
   */
  rotationSuffix(rolloverAt: number, currentTime: number): string {
    const t = this.periodStart(rolloverAt);
    if (this.utc) return strftime(this.suffix, gmtime(t));
    const dstNow = this.#isdst(Math.trunc(currentTime));
    let timeTuple = this.localtime(t);
    if (dstNow !== timeTuple.isdst) timeTuple = this.localtime(t + (dstNow ? DST_ADDEND : -DST_ADDEND));
    return strftime(this.suffix, timeTuple);
  }
}

/** The rotated file's default name (before any namer): baseFilename + '.' + suffix. */
export function defaultRotationName(baseFilename: string, suffix: string): string {
  return `${baseFilename}.${suffix}`;
}

// ------------------------------------------------------------------ getFilesToDelete --

/** os.path.split (POSIX). */
function splitPath(p: string): [string, string] {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  const tail = p.slice(i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return [head, tail];
}

/** os.path.join(dir, name) for a plain name. */
function joinPath(dir: string, name: string): string {
  if (dir === '' || dir.endsWith('/')) return dir + name;
  return `${dir}/${name}`;
}

/** os.path.splitext: the last dot of the last component, ignoring leading dots. */
function splitExt(p: string): [string, string] {
  const sep = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  if (dot > sep) {
    let first = sep + 1;
    while (first < dot && p[first] === '.') first++;
    if (first < dot) return [p.slice(0, dot), p.slice(dot)];
  }
  return [p, ''];
}

/**
 * Python's str.isdigit(): Unicode decimal digits plus the other Numeric_Type=Digit characters
 * (superscripts, circled digits, ...), listed from Python 3.11's unicodedata (Unicode 14).
 */
const PY_ISDIGIT =
  /^[\p{Nd}\u{b2}-\u{b3}\u{b9}\u{1369}-\u{1371}\u{19da}\u{2070}\u{2074}-\u{2079}\u{2080}-\u{2089}\u{2460}-\u{2468}\u{2474}-\u{247c}\u{2488}-\u{2490}\u{24ea}\u{24f5}-\u{24fd}\u{24ff}\u{2776}-\u{277e}\u{2780}-\u{2788}\u{278a}-\u{2792}\u{10a40}-\u{10a43}\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]$/u;

/** re.match with a pattern ending in `$`: Python's `$` also matches before a final newline. */
function pyMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));
}

/** Python sorts str by code point; JS's default sort compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * CPython's getFilesToDelete() over `fileNames` (a listing of the base file's folder): the
 * oldest rotated files beyond backupCount, as full paths in CPython's (sorted) order. With
 * backupCount 0 it returns every candidate, as CPython's does (doRollover never asks then).
 */
export function filesToDelete(
  baseFilename: string,
  backupCount: number,
  schedule: Schedule,
  hasNamer: boolean,
  fileNames: string[],
): string[] {
  const [dirName, baseName] = splitPath(baseFilename);
  // bpo-44753: the prefix leaves out the extension, so namers may move it after the date.
  const [n, e] = splitExt(baseName);
  const prefix = `${n}.`;
  const plen = Array.from(prefix).length;
  let result: string[] = [];
  for (const fileName of fileNames) {
    if (!hasNamer) {
      if (!fileName.startsWith(baseName)) continue;
    } else {
      const chars = Array.from(fileName);
      if (!fileName.startsWith(baseName) && fileName.endsWith(e) && chars.length > plen + 1 && !PY_ISDIGIT.test(chars[plen + 1])) {
        continue;
      }
    }
    if (!fileName.startsWith(prefix)) continue;
    // bpo-45628: the date may be any dot-separated part of the rest.
    const parts = fileName.slice(prefix.length).split('.');
    if (parts.some((part) => pyMatch(schedule.extMatch, part))) result.push(joinPath(dirName, fileName));
  }
  if (result.length < backupCount) return [];
  result = result.sort(compareCodePoints);
  return result.slice(0, result.length - backupCount);
}
