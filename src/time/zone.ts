// Epoch seconds -> broken-down local time, the way libc's localtime()/gmtime() see it.
//
// CPython's TimedRotatingFileHandler decides with time.localtime(), i.e. glibc reading the
// system TZif file. Its decisions depend on tm_isdst, which Intl cannot give (Europe/Dublin
// has tm_isdst=1 in WINTER: "negative DST", IST is standard time there). So we read the same
// TZif file glibc reads and only fall back to Intl when no such file exists.
import { readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface BrokenDownTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Monday, like Python's tm_wday */
  wday: number;
  /** 1-366, like Python's tm_yday */
  yday: number;
  /** 0 or 1, exactly libc's tm_isdst */
  isdst: number;
  /** seconds east of UTC (tm_gmtoff) */
  utoff: number;
  /** tm_zone */
  abbr: string;
}

export interface Zone {
  /** The IANA name (or TZ string) this zone was built from; 'UTC' for gmtime. */
  readonly name: string;
  /** Where the data came from: a TZif file, a POSIX TZ string, or Intl (no TZif file). */
  readonly source: 'tzif' | 'posix' | 'intl' | 'utc';
  localtime(t: number): BrokenDownTime;
}

export const SECONDS_PER_MINUTE = 60;
export const SECONDS_PER_HOUR = 60 * SECONDS_PER_MINUTE;
export const SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR;
export const DAYS_PER_WEEK = 7;
/** 1970-01-01 was a Thursday: 3 counting from Monday=0, 4 counting from Sunday=0. */
const EPOCH_WDAY_FROM_MONDAY = 3;
const EPOCH_WDAY_FROM_SUNDAY = 4;
const ZONEINFO_DIR = '/usr/share/zoneinfo';
const LIBC_LOCALTIME_FILE = '/etc/localtime';
const TZIF_MAGIC = 'TZif';
const TZIF_HEADER_BYTES = 44;
/** POSIX: a DST rule without an explicit time switches at 02:00:00 local time. */
const DEFAULT_RULE_TIME = 2 * SECONDS_PER_HOUR;
const GLIBC_RULE_EPOCH_YEAR = 1970;

// ------------------------------------------------------------------ civil calendar --

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  const lengths = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return lengths[month - 1];
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Splits an integral local "wall clock" second count into fields. */
function breakDown(local: number, isdst: number, utoff: number, abbr: string): BrokenDownTime {
  const days = Math.floor(local / SECONDS_PER_DAY);
  const secs = local - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / SECONDS_PER_HOUR),
    minute: Math.floor((secs % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE),
    second: secs % SECONDS_PER_MINUTE,
    wday: mod(days + EPOCH_WDAY_FROM_MONDAY, DAYS_PER_WEEK),
    yday: days - daysFromCivil(year, 1, 1) + 1,
    isdst,
    utoff,
    abbr,
  };
}

/** time.gmtime(): Python floors fractional seconds (time_t rounding is ROUND_FLOOR). */
export function gmtime(t: number): BrokenDownTime {
  return breakDown(Math.floor(t), 0, 0, 'UTC');
}

// ------------------------------------------------------------------ POSIX TZ rules --

interface LocalType {
  utoff: number;
  isdst: number;
  abbr: string;
}

type RuleDate = { kind: 'J'; n: number } | { kind: 'n'; n: number } | { kind: 'M'; m: number; w: number; d: number };

interface PosixRule {
  std: LocalType;
  dst: LocalType | null;
  start: { date: RuleDate; time: number } | null;
  end: { date: RuleDate; time: number } | null;
}

/** Parses a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0" or "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". */
export function parsePosixTz(spec: string): PosixRule | null {
  let i = 0;
  const name = (): string | null => {
    if (spec[i] === '<') {
      const close = spec.indexOf('>', i);
      if (close < 0) return null;
      const n = spec.slice(i + 1, close);
      i = close + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(spec.slice(i));
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  const hms = (): number | null => {
    const m = /^([+-])?(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/.exec(spec.slice(i));
    if (!m) return null;
    i += m[0].length;
    const v = Number(m[2]) * SECONDS_PER_HOUR + Number(m[3] ?? 0) * SECONDS_PER_MINUTE + Number(m[4] ?? 0);
    return m[1] === '-' ? -v : v;
  };
  const ruleDate = (): RuleDate | null => {
    const rest = spec.slice(i);
    let m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest);
    if (m) {
      i += m[0].length;
      return { kind: 'M', m: Number(m[1]), w: Number(m[2]), d: Number(m[3]) };
    }
    m = /^J(\d{1,3})/.exec(rest);
    if (m) {
      i += m[0].length;
      return { kind: 'J', n: Number(m[1]) };
    }
    m = /^(\d{1,3})/.exec(rest);
    if (m) {
      i += m[0].length;
      return { kind: 'n', n: Number(m[1]) };
    }
    return null;
  };
  const transition = (): { date: RuleDate; time: number } | null => {
    if (spec[i] !== ',') return null;
    i++;
    const date = ruleDate();
    if (!date) return null;
    let time = DEFAULT_RULE_TIME;
    if (spec[i] === '/') {
      i++;
      const t = hms();
      if (t === null) return null;
      time = t;
    }
    return { date, time };
  };

  const stdName = name();
  if (stdName === null) return null;
  const stdOff = hms();
  if (stdOff === null) return null;
  // POSIX offsets count hours WEST of Greenwich; tm_gmtoff counts east (and is never -0).
  const east = (west: number) => (west === 0 ? 0 : -west);
  const std: LocalType = { utoff: east(stdOff), isdst: 0, abbr: stdName };
  if (i === spec.length) return { std, dst: null, start: null, end: null };
  const dstName = name();
  if (dstName === null) return null;
  let dstUtoff = std.utoff + SECONDS_PER_HOUR;
  if (i < spec.length && spec[i] !== ',') {
    const o = hms();
    if (o === null) return null;
    dstUtoff = east(o);
  }
  const dst: LocalType = { utoff: dstUtoff, isdst: 1, abbr: dstName };
  // No rule: glibc uses the US rules of its POSIXRULES default; tzdata footers always have one.
  const start = transition() ?? { date: { kind: 'M', m: 3, w: 2, d: 0 } as RuleDate, time: DEFAULT_RULE_TIME };
  const end = transition() ?? { date: { kind: 'M', m: 11, w: 1, d: 0 } as RuleDate, time: DEFAULT_RULE_TIME };
  if (i !== spec.length) return null;
  return { std, dst, start, end };
}

/** Days since the epoch of the local date a rule names in `year`. */
function ruleDay(year: number, date: RuleDate): number {
  // glibc's compute_change counts from 1970: for earlier years it starts at 1970-01-01 (so its
  // pre-1970 DST is odd), and so do we, to give libc's answers for TZ=<POSIX string> too.
  const jan1 = year > GLIBC_RULE_EPOCH_YEAR ? daysFromCivil(year, 1, 1) : 0;
  if (date.kind === 'J') {
    // Jn counts 1..365 and never names February 29.
    const leapShift = isLeapYear(year) && date.n >= 60 ? 1 : 0;
    return jan1 + date.n - 1 + leapShift;
  }
  if (date.kind === 'n') return jan1 + date.n;
  const first = daysFromCivil(year, date.m, 1);
  const firstDow = mod(first + EPOCH_WDAY_FROM_SUNDAY, DAYS_PER_WEEK);
  let day = 1 + mod(date.d - firstDow, DAYS_PER_WEEK) + (date.w - 1) * DAYS_PER_WEEK;
  while (day > daysInMonth(year, date.m)) day -= DAYS_PER_WEEK;
  return jan1 + (first - daysFromCivil(year, 1, 1)) + day - 1;
}

/** glibc __tz_compute: both switches of t's UTC year; DST runs start..end (or wraps the year). */
function posixType(rule: PosixRule, t: number): LocalType {
  if (!rule.dst || !rule.start || !rule.end) return rule.std;
  const year = civilFromDays(Math.floor(t / SECONDS_PER_DAY)).year;
  // The start is given in standard time, the end in daylight time.
  const start = ruleDay(year, rule.start.date) * SECONDS_PER_DAY + rule.start.time - rule.std.utoff;
  const end = ruleDay(year, rule.end.date) * SECONDS_PER_DAY + rule.end.time - rule.dst.utoff;
  const inDst = start > end ? t < end || t >= start : t >= start && t < end;
  return inDst ? rule.dst : rule.std;
}

// ------------------------------------------------------------------ TZif --

interface TzifData {
  transitions: number[];
  typeIndex: number[];
  types: LocalType[];
  footer: PosixRule | null;
}

/** Parses RFC 8536 TZif (v1, or the 64-bit v2+ block and its footer). Null if not TZif. */
export function parseTzif(buf: Buffer): TzifData | null {
  if (buf.length < TZIF_HEADER_BYTES || buf.toString('latin1', 0, 4) !== TZIF_MAGIC) return null;
  const version = buf[4];
  const counts = (at: number) => ({
    isutcnt: buf.readUInt32BE(at + 20),
    isstdcnt: buf.readUInt32BE(at + 24),
    leapcnt: buf.readUInt32BE(at + 28),
    timecnt: buf.readUInt32BE(at + 32),
    typecnt: buf.readUInt32BE(at + 36),
    charcnt: buf.readUInt32BE(at + 40),
  });
  const v1 = counts(0);
  const blockLength = (c: ReturnType<typeof counts>, timeSize: number) =>
    c.timecnt * timeSize + c.timecnt + c.typecnt * 6 + c.charcnt + c.leapcnt * (timeSize + 4) + c.isstdcnt + c.isutcnt;
  let at = TZIF_HEADER_BYTES;
  let c = v1;
  let timeSize = 4;
  // Version '2' or later (ASCII): skip the 32-bit block, use the 64-bit one.
  if (version >= 0x32) {
    at += blockLength(v1, 4);
    if (buf.length < at + TZIF_HEADER_BYTES || buf.toString('latin1', at, at + 4) !== TZIF_MAGIC) return null;
    c = counts(at);
    at += TZIF_HEADER_BYTES;
    timeSize = 8;
  }
  const transitions: number[] = [];
  for (let k = 0; k < c.timecnt; k++) {
    transitions.push(timeSize === 8 ? Number(buf.readBigInt64BE(at + k * 8)) : buf.readInt32BE(at + k * 4));
  }
  at += c.timecnt * timeSize;
  const typeIndex = Array.from(buf.subarray(at, at + c.timecnt));
  at += c.timecnt;
  const raw: { utoff: number; isdst: number; idx: number }[] = [];
  for (let k = 0; k < c.typecnt; k++) {
    raw.push({ utoff: buf.readInt32BE(at), isdst: buf[at + 4] ? 1 : 0, idx: buf[at + 5] });
    at += 6;
  }
  const chars = buf.toString('latin1', at, at + c.charcnt);
  const types = raw.map((r) => ({
    utoff: r.utoff,
    isdst: r.isdst,
    abbr: chars.slice(r.idx, chars.indexOf('\0', r.idx)),
  }));
  at += c.charcnt + c.leapcnt * (timeSize + 4) + c.isstdcnt + c.isutcnt;
  let footer: PosixRule | null = null;
  if (timeSize === 8 && buf[at] === 0x0a) {
    const close = buf.indexOf(0x0a, at + 1);
    if (close > at + 1) footer = parsePosixTz(buf.toString('latin1', at + 1, close));
  }
  return { transitions, typeIndex, types, footer };
}

function tzifType(data: TzifData, t: number): LocalType {
  const { transitions, typeIndex, types } = data;
  if (transitions.length === 0 || t < transitions[0]) {
    // RFC 8536: before the first transition, type 0 applies (footer-only files: the footer).
    if (transitions.length === 0 && data.footer) return posixType(data.footer, t);
    return types[0];
  }
  if (t >= transitions[transitions.length - 1] && data.footer) return posixType(data.footer, t);
  let lo = 0;
  let hi = transitions.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (transitions[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return types[typeIndex[lo]];
}

// ------------------------------------------------------------------ zones --

function makeZone(name: string, source: Zone['source'], typeAt: (t: number) => LocalType): Zone {
  return {
    name,
    source,
    localtime(t: number): BrokenDownTime {
      // time.localtime() floors a float (ROUND_FLOOR), it does not truncate.
      const s = Math.floor(t);
      const lt = typeAt(s);
      return breakDown(s + lt.utoff, lt.isdst, lt.utoff, lt.abbr);
    },
  };
}

export const UTC_ZONE: Zone = { name: 'UTC', source: 'utc', localtime: gmtime };

/** An IANA name is a relative path of plain segments: nothing that could escape zoneinfo. */
const IANA_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

function readTzif(path: string): TzifData | null {
  try {
    return parseTzif(readFileSync(path));
  } catch {
    return null;
  }
}

function intlKnows(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Fallback only when the system has no TZif file for the zone (e.g. no tzdata package):
 * Intl gives offsets but not tm_isdst, so DST is guessed as "more than the smaller of the
 * January and July offsets" — wrong for Europe/Dublin's negative DST, which is why TZif wins.
 */
function intlZone(name: string): Zone {
  const MS = 1000;
  // Loaded only here: date-fns-tz costs ~15 ms of start-up in every thread that imports it, and
  // with TZif files (the normal case) it is never needed.
  // @ts-ignore -- import.meta is rewritten for the CommonJS build (scripts/build.mjs)
  const here: string = import.meta.url;
  const { getTimezoneOffset } = createRequire(here)('date-fns-tz/getTimezoneOffset') as {
    getTimezoneOffset(timeZone: string, date?: Date): number;
  };
  const offset = (t: number) => Math.round(getTimezoneOffset(name, new Date(t * MS)) / MS);
  const standardByYear = new Map<number, number>();
  const standard = (t: number) => {
    const year = new Date(t * MS).getUTCFullYear();
    let v = standardByYear.get(year);
    if (v === undefined) {
      v = Math.min(offset(Date.UTC(year, 0, 1) / MS), offset(Date.UTC(year, 6, 1) / MS));
      standardByYear.set(year, v);
    }
    return v;
  };
  return makeZone(name, 'intl', (t) => {
    const utoff = offset(t);
    return { utoff, isdst: utoff > standard(t) ? 1 : 0, abbr: intlAbbr(name, t) };
  });
}

function intlAbbr(name: string, t: number): string {
  const MS = 1000;
  const part = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' })
    .formatToParts(new Date(t * MS))
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? name;
}

function fromTzif(name: string, data: TzifData): Zone {
  return makeZone(name, 'tzif', (t) => tzifType(data, t));
}

const cache = new Map<string, Zone>();

export class UnknownTimezoneError extends RangeError {
  constructor(readonly value: unknown) {
    super(
      `Unknown timezone: option 'timezone' is ${JSON.stringify(value)}, which is not an IANA zone name known to this system`,
    );
  }
}

/** A zone by IANA name (validated). Cached: zone data is read once per process. */
export function zoneByName(name: string): Zone {
  const hit = cache.get(name);
  if (hit) return hit;
  let zone: Zone;
  if (name === 'UTC') {
    const data = readTzif(`${ZONEINFO_DIR}/Etc/UTC`);
    zone = data ? fromTzif(name, data) : UTC_ZONE;
  } else {
    if (typeof name !== 'string' || !IANA_NAME.test(name)) throw new UnknownTimezoneError(name);
    const data = readTzif(`${ZONEINFO_DIR}/${name}`);
    if (data) zone = fromTzif(name, data);
    else if (intlKnows(name)) zone = intlZone(name);
    else throw new UnknownTimezoneError(name);
  }
  cache.set(name, zone);
  return zone;
}

/**
 * The process's local zone as glibc resolves it: TZ (":NAME", an absolute TZif path, a zone
 * name, or a POSIX TZ string; empty means UTC), else /etc/localtime, else Intl's zone.
 * process.env.TZ is re-read on every call because Node lets a program change it at run time.
 */
export function localZone(): Zone {
  const tz = process.env.TZ;
  const key = tz === undefined ? '\0system' : `\0TZ=${tz}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const zone = resolveLocal(tz);
  cache.set(key, zone);
  return zone;
}

function resolveLocal(tz: string | undefined): Zone {
  if (tz === undefined) {
    const data = readTzif(LIBC_LOCALTIME_FILE);
    if (data) return fromTzif(localtimeName(), data);
    const intlName = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return intlName ? safeZoneByName(intlName) : UTC_ZONE;
  }
  const spec = tz.startsWith(':') ? tz.slice(1) : tz;
  if (spec === '') return UTC_ZONE;
  if (spec.startsWith('/')) {
    const data = readTzif(spec);
    if (data) return fromTzif(spec, data);
  } else if (IANA_NAME.test(spec)) {
    const data = readTzif(`${ZONEINFO_DIR}/${spec}`);
    if (data) return fromTzif(spec, data);
  }
  const rule = parsePosixTz(spec);
  if (rule) return makeZone(spec, 'posix', (t) => posixType(rule, t));
  // glibc treats an unusable TZ as UTC (with the abbreviation "UTC").
  return UTC_ZONE;
}

/**
 * The local zone's name, as /etc/localtime's link says (`/usr/share/zoneinfo/Europe/Paris`), which
 * is where Intl finds it too: asking Intl costs a new thread ~30 ms (ICU's first use), paid by every
 * worker that opens a log. Only a name: the rules come from the file itself.
 */
function localtimeName(): string {
  try {
    const target = readlinkSync(LIBC_LOCALTIME_FILE);
    const at = target.lastIndexOf('zoneinfo/');
    if (at >= 0) return target.slice(at + 'zoneinfo/'.length);
  } catch {
    // Not a link (a copy of the zone file): no name to read.
  }
  return 'localtime';
}

function safeZoneByName(name: string): Zone {
  try {
    return zoneByName(name);
  } catch {
    return UTC_ZONE;
  }
}
