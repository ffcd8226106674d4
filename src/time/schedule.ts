// The rotation schedule of CPython's logging.handlers.TimedRotatingFileHandler (3.13), as pure
// functions of epoch seconds: when the next rollover is due, what the rotated file is called,
// and which old files a rollover deletes. No I/O happens here; the handler does that.
//
// The method bodies follow CPython's __init__ / computeRollover / doRollover line by line, so
// that their quirks (DST "addend" hours, int() truncation, MIDNIGHT with atTime equal to the
// current second) are reproduced exactly. test/fixtures/oracle holds CPython's own results.
import {
  gmtime,
  daysFromCivil,
  localZone,
  zoneByName,
  UnknownTimezoneError,
  DAYS_PER_WEEK,
  SECONDS_PER_DAY,
  SECONDS_PER_HOUR,
  SECONDS_PER_MINUTE,
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
  S: { seconds: 1, suffix: '%Y-%m-%d_%H-%M-%S', extMatch: '(?<!\\d)\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}(?!\\d)' },
  M: {
    seconds: SECONDS_PER_MINUTE,
    suffix: '%Y-%m-%d_%H-%M',
    extMatch: '(?<!\\d)\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}(?!\\d)',
  },
  H: { seconds: SECONDS_PER_HOUR, suffix: '%Y-%m-%d_%H', extMatch: '(?<!\\d)\\d{4}-\\d{2}-\\d{2}_\\d{2}(?!\\d)' },
  D: { seconds: SECONDS_PER_DAY, suffix: '%Y-%m-%d', extMatch: '(?<!\\d)\\d{4}-\\d{2}-\\d{2}(?!\\d)' },
  W: { seconds: SECONDS_PER_DAY * DAYS_PER_WEEK, suffix: '%Y-%m-%d', extMatch: '(?<!\\d)\\d{4}-\\d{2}-\\d{2}(?!\\d)' },
};

/** CPython's `when` validation, with its exact messages. */
function parseWhen(raw: unknown): { when: string; unit: Unit; dayOfWeek: number | null } {
  if (typeof raw !== 'string') {
    throw new ConfigError(
      'when',
      raw,
      `Invalid rollover interval specified: option 'when' must be a string, got ${describe(raw)}`,
    );
  }
  // str.upper() and toUpperCase() agree on the special cases that matter ('ſ' -> 'S', 'ı' -> 'I').
  const when = raw.toUpperCase();
  if (when === 'S' || when === 'M' || when === 'H' || when === 'D') return { when, unit: UNITS[when], dayOfWeek: null };
  if (when === 'MIDNIGHT') return { when, unit: UNITS.D, dayOfWeek: null };
  if (when.startsWith('W')) {
    // Python's len() and indexing count code points, not UTF-16 units.
    const chars = Array.from(when);
    if (chars.length !== 2) {
      throw new ConfigError(
        'when',
        raw,
        `You must specify a day for weekly rollover from 0 to 6 (0 is Monday): ${when}`,
      );
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
    throw new ConfigError(
      'interval',
      raw,
      `Invalid rollover interval: option 'interval' must be a positive integer, got ${describe(raw)}`,
    );
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
    at = {
      hour: o.hour as number,
      minute: o.minute as number,
      second: o.second as number,
      microsecond: (o.microsecond ?? 0) as number,
    };
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
    throw new ConfigError(
      'timezone',
      raw,
      `Unknown timezone: option 'timezone' must be an IANA zone name, got ${describe(raw)}`,
    );
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
  /** Finds a date suffix in a rotated name (CPython 3.13's extMatch, re.ASCII semantics). */
  readonly extMatch: RegExp;
  /** extMatch.fullmatch: the whole string is a date suffix. */
  readonly extMatchFull: RegExp;
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
    this.extMatchFull = new RegExp(`^(?:${unit.extMatch})$`);
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
      when,
      interval,
      utc: this.utc,
      atTime: at && `${pad2(at.hour)}:${pad2(at.minute)}:${pad2(at.second)}`,
      timezone: this.timezone,
    });
  }

  /** The schedule whose `key` this is. */
  static fromKey(key: string): Schedule {
    const o = JSON.parse(key) as {
      when: string;
      interval: number;
      utc: boolean;
      atTime: string | null;
      timezone: string | null;
    };
    return new Schedule({
      when: o.when as When,
      interval: o.interval,
      utc: o.utc,
      atTime: o.atTime,
      timezone: o.timezone ?? undefined,
    });
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

  /**
   * CPython 3.13's computeRollover(currentTime), line for line. For MIDNIGHT and W* it counts
   * `interval` days (weeks) from the next rotation time of day, and makes CPython's DST correction
   * for both: an hour less if DST starts before the rollover (unless the hour before it is not yet
   * DST: a change at the rotation time itself), an hour more if it ends.
   */
  computeRollover(currentTime: number): number {
    if (!this.#byTimeOfDay) return currentTime + this.interval;

    const t = this.localtime(currentTime);
    const rotateTs =
      this.atTime === null ? MIDNIGHT : (this.atTime.hour * 60 + this.atTime.minute) * 60 + this.atTime.second;
    // r: seconds from now to the next rotation time of day, by the wall clock; a rotation time
    // equal to now is tomorrow's (3.11 rotated at once).
    let r = rotateTs - ((t.hour * 60 + t.minute) * 60 + t.second);
    let currentDay = t.wday;
    if (r <= 0) {
      r += MIDNIGHT;
      currentDay = (currentDay + 1) % DAYS_PER_WEEK;
    }
    let result = currentTime + r;
    if (this.dayOfWeek !== null) {
      if (currentDay !== this.dayOfWeek) {
        const daysToWait =
          currentDay < this.dayOfWeek
            ? this.dayOfWeek - currentDay
            : DAYS_PER_WEEK - 1 - currentDay + this.dayOfWeek + 1;
        result += daysToWait * MIDNIGHT;
      }
      result += this.interval - MIDNIGHT * DAYS_PER_WEEK;
    } else {
      result += this.interval - MIDNIGHT;
    }
    if (!this.utc) {
      const dstNow = t.isdst;
      if (dstNow !== this.#isdst(result)) {
        if (dstNow) result += DST_ADDEND;
        else if (this.#isdst(result - DST_ADDEND)) result -= DST_ADDEND;
      }
    }
    return result;
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

  /** doRollover's new rolloverAt (3.13): computeRollover at the (truncated) time of the rollover. */
  nextRollover(currentTime: number): number {
    return this.computeRollover(Math.trunc(currentTime));
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

/** A rotated file's name from CPython's default name (`namer` in CPython). */
export type Namer = (defaultName: string) => string;

/** Rotated names of ours that CPython never makes, to recognise as well (see filesToDelete). */
export interface RotatedNameVariants {
  /** `<name>.<n>`: the parts of a period split by maxBytes (the namer gets the numbered name). */
  parts?: boolean;
  /** `<name>.gz`: a rotated file gzipped by the `compress` option. */
  compressed?: boolean;
}

/**
 * Whether `fileName` (a name in the base file's folder) is one of this handler's rotated files:
 * CPython 3.13's test, extended by `variants`. Without a namer the name must be exactly
 * `<base>.<date suffix>` (GH-93205: `a.log.b.<date>` belongs to the log `a.log.b`); with one, some
 * date suffix found in the name must give back exactly that name through the namer.
 */
function isRotatedName(
  fileName: string,
  baseFilename: string,
  baseName: string,
  schedule: Schedule,
  namer: Namer | null,
  variants: RotatedNameVariants,
): boolean {
  const candidates = (date: string, from: number): string[] => {
    const name = `${baseFilename}.${date}`;
    const out = [name];
    if (variants.parts) {
      // A part number is a run of digits after the date; each is tried as one.
      for (const m of fileName.slice(from).matchAll(/\d+/g)) out.push(`${name}.${m[0]}`);
    }
    return out;
  };
  const matches = (path: string): boolean => {
    const named = namer ? basenameOf(namer(path)) : basenameOf(path);
    return named === fileName || (variants.compressed === true && `${named}.gz` === fileName);
  };
  if (namer === null && !variants.parts && !variants.compressed) {
    // CPython's own branch for no namer: the exact prefix, then a full match of the suffix.
    const prefix = `${baseName}.`;
    return fileName.startsWith(prefix) && schedule.extMatchFull.test(fileName.slice(prefix.length));
  }
  // CPython's namer branch: every match of the date pattern, leftmost first, overlapping ones too.
  const search = new RegExp(schedule.extMatch.source, 'g');
  for (let from = 0; ;) {
    search.lastIndex = from;
    const m = search.exec(fileName);
    if (m === null) return false;
    if (candidates(m[0], m.index + m[0].length).some(matches)) return true;
    from = m.index + 1;
  }
}

function basenameOf(p: string): string {
  return splitPath(p)[1];
}

/**
 * CPython 3.13's getFilesToDelete() over `fileNames` (a listing of the base file's folder): the
 * oldest rotated files beyond backupCount, as full paths in CPython's (sorted) order. With
 * backupCount 0 it returns every candidate, as CPython's does (doRollover never asks then).
 * `namer` is the handler's namer (null: none); `variants` adds names of ours CPython never makes.
 */
export function filesToDelete(
  baseFilename: string,
  backupCount: number,
  schedule: Schedule,
  namer: Namer | null,
  fileNames: string[],
  variants: RotatedNameVariants = {},
): string[] {
  if (namer !== null && typeof namer !== 'function') {
    throw new ConfigError(
      'namer',
      namer,
      `Invalid namer: filesToDelete's 'namer' must be a function or null, got ${describe(namer)}`,
    );
  }
  const [dirName, baseName] = splitPath(baseFilename);
  let result: string[] = [];
  for (const fileName of fileNames) {
    if (isRotatedName(fileName, baseFilename, baseName, schedule, namer, variants))
      result.push(joinPath(dirName, fileName));
  }
  if (result.length < backupCount) return [];
  result = result.sort(compareCodePoints);
  return result.slice(0, result.length - backupCount);
}
