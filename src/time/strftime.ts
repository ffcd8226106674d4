// Python's time.strftime() in the C locale (what glibc's strftime gives CPython by default),
// over a BrokenDownTime from zone.ts. Rotated file names and Formatter.datefmt use it.
import type { BrokenDownTime } from './zone.js';
import { daysFromCivil, DAYS_PER_WEEK, SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE } from './zone.js';

export type { BrokenDownTime } from './zone.js';

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const ABBREVIATION_LENGTH = 3;
const HOURS_PER_HALF_DAY = 12;
/** ISO 8601: week 1 is the week holding the year's first Thursday (3 days after Monday). */
const ISO_THURSDAY_OFFSET = 3;

function pad(n: number, width: number, fill = '0'): string {
  const s = String(Math.abs(n));
  const sign = n < 0 ? '-' : '';
  return sign + (s.length >= width ? s : fill.repeat(width - s.length) + s);
}

function hour12(h: number): number {
  const r = h % HOURS_PER_HALF_DAY;
  return r === 0 ? HOURS_PER_HALF_DAY : r;
}

/** Sunday = 0, as C's tm_wday (Python's tm_wday has Monday = 0). */
function cWday(tm: BrokenDownTime): number {
  return (tm.wday + 1) % DAYS_PER_WEEK;
}

/** %U: weeks starting on Sunday; %W: weeks starting on Monday. */
function weekNumber(tm: BrokenDownTime, firstDay: 'sunday' | 'monday'): number {
  const wday = firstDay === 'sunday' ? cWday(tm) : tm.wday;
  return Math.floor((tm.yday - 1 + DAYS_PER_WEEK - wday) / DAYS_PER_WEEK);
}

/** ISO 8601 week-based year and week (%G, %V). */
function isoWeek(tm: BrokenDownTime): { year: number; week: number } {
  const days = daysFromCivil(tm.year, tm.month, tm.day);
  const thursday = days - tm.wday + ISO_THURSDAY_OFFSET;
  // The ISO year is the calendar year of this week's Thursday.
  const yearOfThursday =
    tm.year + (thursday < daysFromCivil(tm.year, 1, 1) ? -1 : thursday >= daysFromCivil(tm.year + 1, 1, 1) ? 1 : 0);
  const week = Math.floor((thursday - daysFromCivil(yearOfThursday, 1, 1)) / DAYS_PER_WEEK) + 1;
  return { year: yearOfThursday, week };
}

function utcOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(seconds);
  return (
    sign + pad(Math.floor(a / SECONDS_PER_HOUR), 2) + pad(Math.floor((a % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE), 2)
  );
}

function epochSeconds(tm: BrokenDownTime): number {
  return (
    daysFromCivil(tm.year, tm.month, tm.day) * SECONDS_PER_DAY +
    tm.hour * SECONDS_PER_HOUR +
    tm.minute * SECONDS_PER_MINUTE +
    tm.second -
    tm.utoff
  );
}

type Directive = (tm: BrokenDownTime) => string;

const DIRECTIVES: Record<string, Directive> = {
  a: (tm) => DAY_NAMES[tm.wday].slice(0, ABBREVIATION_LENGTH),
  A: (tm) => DAY_NAMES[tm.wday],
  b: (tm) => MONTH_NAMES[tm.month - 1].slice(0, ABBREVIATION_LENGTH),
  h: (tm) => MONTH_NAMES[tm.month - 1].slice(0, ABBREVIATION_LENGTH),
  B: (tm) => MONTH_NAMES[tm.month - 1],
  c: (tm) => strftime('%a %b %e %H:%M:%S %Y', tm),
  C: (tm) => pad(Math.floor(tm.year / 100), 2),
  d: (tm) => pad(tm.day, 2),
  D: (tm) => strftime('%m/%d/%y', tm),
  e: (tm) => pad(tm.day, 2, ' '),
  F: (tm) => strftime('%Y-%m-%d', tm),
  G: (tm) => String(isoWeek(tm).year),
  g: (tm) => pad(isoWeek(tm).year % 100, 2),
  H: (tm) => pad(tm.hour, 2),
  I: (tm) => pad(hour12(tm.hour), 2),
  j: (tm) => pad(tm.yday, 3),
  k: (tm) => pad(tm.hour, 2, ' '),
  l: (tm) => pad(hour12(tm.hour), 2, ' '),
  m: (tm) => pad(tm.month, 2),
  M: (tm) => pad(tm.minute, 2),
  n: () => '\n',
  p: (tm) => (tm.hour < HOURS_PER_HALF_DAY ? 'AM' : 'PM'),
  P: (tm) => (tm.hour < HOURS_PER_HALF_DAY ? 'am' : 'pm'),
  r: (tm) => strftime('%I:%M:%S %p', tm),
  R: (tm) => strftime('%H:%M', tm),
  s: (tm) => String(epochSeconds(tm)),
  S: (tm) => pad(tm.second, 2),
  t: () => '\t',
  T: (tm) => strftime('%H:%M:%S', tm),
  u: (tm) => String(tm.wday + 1),
  U: (tm) => pad(weekNumber(tm, 'sunday'), 2),
  V: (tm) => pad(isoWeek(tm).week, 2),
  w: (tm) => String(cWday(tm)),
  W: (tm) => pad(weekNumber(tm, 'monday'), 2),
  x: (tm) => strftime('%m/%d/%y', tm),
  X: (tm) => strftime('%H:%M:%S', tm),
  y: (tm) => pad(((tm.year % 100) + 100) % 100, 2),
  Y: (tm) => String(tm.year),
  z: (tm) => utcOffset(tm.utoff),
  Z: (tm) => tm.abbr,
  '%': () => '%',
};

/**
 * Python's time.strftime(format, t) in the C locale. Unknown directives are copied through
 * as glibc does; a trailing lone '%' too.
 */
export function strftime(format: string, tm: BrokenDownTime): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%' || i + 1 >= format.length) {
      out += ch;
      continue;
    }
    const directive = DIRECTIVES[format[i + 1]];
    if (directive) {
      out += directive(tm);
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}
