// The rotation schedule, one behaviour per test. Expected instants were produced by CPython
// 3.11's TimedRotatingFileHandler (fake clock, TZ set to the zone), so the quirks asserted here
// (a whole-hour DST correction even where DST is 30 min, Dublin's inverted tm_isdst) are
// CPython's, deliberately kept. The full proof is `npm run conformance` (test/conformance.test.mjs).
import test from 'ava';
import { ConfigError, Schedule, defaultRotationName, filesToDelete, strftime } from '../dist/esm/time/schedule.js';
import { zoneByName, gmtime } from '../dist/esm/time/zone.js';

const NY = 'America/New_York';
const HOUR = 3600;
const DAY = 86400;

/** Drives a schedule the way CPython's handler does: rotate exactly at each rolloverAt. */
function chain(schedule, now, steps = 3) {
  let rolloverAt = schedule.initialRollover(now, null);
  const out = [rolloverAt];
  for (let i = 0; i < steps; i++) {
    const name = schedule.rotationSuffix(rolloverAt, rolloverAt);
    rolloverAt = schedule.nextRollover(rolloverAt);
    out.push([name, rolloverAt]);
  }
  return out;
}

const local = (schedule, t) => strftime('%Y-%m-%dT%H:%M:%S%z', schedule.localtime(t));

// ------------------------------------------------------------------ each `when` --

for (const [when, seconds, suffix] of [
  ['S', 1, '%Y-%m-%d_%H-%M-%S'],
  ['M', 60, '%Y-%m-%d_%H-%M'],
  ['H', HOUR, '%Y-%m-%d_%H'],
  ['D', DAY, '%Y-%m-%d'],
]) {
  test(`when ${when}: rolls over ${seconds} s x interval after the start, named ${suffix}`, (t) => {
    const s = Schedule.create({ when: when.toLowerCase(), interval: 3, timezone: NY });
    t.is(s.when, when);
    t.is(s.interval, 3 * seconds);
    t.is(s.suffix, suffix);
    t.is(s.computeRollover(1768395600), 1768395600 + 3 * seconds);
  });
}

test("when defaults to 'h' and interval to 1, as in CPython", (t) => {
  const s = Schedule.create({ timezone: NY });
  t.is(s.when, 'H');
  t.is(s.interval, HOUR);
});

test('when MIDNIGHT: the next local midnight, then one day later', (t) => {
  const s = Schedule.create({ when: 'midnight', timezone: NY });
  const now = 1768395600; // 2026-01-14T08:00:00-05:00
  t.is(local(s, s.initialRollover(now, null)), '2026-01-15T00:00:00-0500');
  t.is(s.nextRollover(1768453200), 1768453200 + DAY);
});

test('when W0..W6: the midnight that ENDS the given weekday (CPython 3.11; 0 = Monday)', (t) => {
  const s = Schedule.create({ when: 'W0', timezone: NY });
  t.is(s.dayOfWeek, 0);
  t.is(s.interval, 7 * DAY);
  const rolloverAt = s.initialRollover(1768395600, null); // a Wednesday
  t.is(local(s, rolloverAt), '2026-01-20T00:00:00-0500');
  t.is(s.localtime(rolloverAt - 1).wday, 0);
});

test('a rotated file is named for the start of its period', (t) => {
  const s = Schedule.create({ when: 'D', timezone: NY });
  const rolloverAt = 1768453200; // 2026-01-15T00:00:00-05:00
  t.is(s.periodStart(rolloverAt), rolloverAt - DAY);
  t.is(
    defaultRotationName('/var/log/app.log', s.rotationSuffix(rolloverAt, rolloverAt)),
    '/var/log/app.log.2026-01-14',
  );
});

test('int(time.time()) decides: a rollover is due only from the whole second on', (t) => {
  const s = Schedule.create({ when: 'S', timezone: NY });
  t.false(s.shouldRollover(100, 99.999));
  t.true(s.shouldRollover(100, 100.2));
  t.is(s.initialRollover(1768395600.75, null), 1768395601);
  t.is(s.nextRollover(1768395600.75), 1768395601);
});

test('an existing base file schedules from its mtime (whole seconds)', (t) => {
  const s = Schedule.create({ when: 'H', timezone: NY });
  t.is(s.initialRollover(1768395600, 1768300000.9), 1768300000 + HOUR);
});

// ------------------------------------------------------------------ DST --

test('MIDNIGHT, New York spring forward: next rollover is the next midnight (23 h later)', (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', timezone: NY });
  t.deepEqual(chain(s, 1741453200, 2), [
    1741496400, // 2025-03-09T00:00-05:00
    ['2025-03-08', 1741579200], // 2025-03-10T00:00-04:00
    ['2025-03-09', 1741665600],
  ]);
});

test('MIDNIGHT, New York fall back: next rollover is the next midnight (25 h later)', (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', timezone: NY });
  t.deepEqual(chain(s, 1762012800, 2), [
    1762056000, // 2025-11-02T00:00-04:00
    ['2025-11-01', 1762146000], // 2025-11-03T00:00-05:00
    ['2025-11-02', 1762232400],
  ]);
});

test('W6, New York spring forward: the week with the change is an hour short', (t) => {
  const s = Schedule.create({ when: 'W6', timezone: NY });
  const [first, [name, next]] = chain(s, 1741194000, 1);
  t.is(local(s, first), '2025-03-10T00:00:00-0400');
  t.is(name, '2025-03-03');
  t.is(next - first, 7 * DAY);
  t.is(local(s, next), '2025-03-17T00:00:00-0400');
});

test('W6, New York fall back: the week with the change is an hour long', (t) => {
  const s = Schedule.create({ when: 'W6', timezone: NY });
  t.is(local(s, s.computeRollover(1761753600)), '2025-11-03T00:00:00-0500');
  t.is(s.computeRollover(1761753600) - 1761753600, 4 * DAY + 12 * HOUR + HOUR);
});

test('H across fall back: the repeated hour gets the same name twice (CPython)', (t) => {
  const s = Schedule.create({ when: 'H', timezone: NY });
  const names = chain(s, 1762057800, 3)
    .slice(1)
    .map(([name]) => name);
  t.deepEqual(names, ['2025-11-02_00', '2025-11-02_00', '2025-11-02_01']);
});

test("Lord Howe's 30-minute DST: CPython corrects by a whole hour, so one rollover lands at 23:30", (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', timezone: 'Australia/Lord_Howe' });
  const c = chain(s, 1759541400, 3);
  t.deepEqual(c, [1759584600, ['2025-10-04', 1759667400], ['2025-10-05', 1759669200], ['2025-10-05', 1759755600]]);
  t.is(local(s, c[1][1]), '2025-10-05T23:30:00+1100');
  t.is(local(s, c[2][1]), '2025-10-06T00:00:00+1100');
});

test("Lord Howe's autumn: the hour added overshoots midnight by 30 minutes", (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', timezone: 'Australia/Lord_Howe' });
  const [, [, next]] = chain(s, 1743814800, 1);
  t.is(local(s, next), '2025-04-07T00:30:00+1030');
});

test('Europe/Dublin: tm_isdst is 1 in winter (negative DST), as libc reports it', (t) => {
  const dublin = zoneByName('Europe/Dublin');
  const winter = dublin.localtime(1767225600);
  const summer = dublin.localtime(1751328000);
  t.like(winter, { isdst: 1, utoff: 0, abbr: 'GMT' });
  t.like(summer, { isdst: 0, utoff: HOUR, abbr: 'IST' });
});

test("Dublin's October change: CPython's correction goes the wrong way (22:00), as CPython does", (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', timezone: 'Europe/Dublin' });
  const c = chain(s, 1761390000, 2);
  t.deepEqual(c, [1761433200, ['2025-10-25', 1761516000], ['2025-10-26', 1761523200]]);
  t.is(local(s, c[1][1]), '2025-10-26T22:00:00+0000');
});

test("Dublin's March change: two hours late (02:00), as CPython does", (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', timezone: 'Europe/Dublin' });
  const [, [, next]] = chain(s, 1743249600, 1);
  t.is(local(s, next), '2025-03-31T02:00:00+0100');
});

test('after the TZif table ends, the POSIX rule of its footer applies (New York, July 2050)', (t) => {
  const july2050 = Date.UTC(2050, 6, 1) / 1000;
  t.like(zoneByName(NY).localtime(july2050), { isdst: 1, utoff: -4 * HOUR, abbr: 'EDT', hour: 20 });
});

test('TZ may be a POSIX rule string, evaluated as glibc does (negative DST included)', (t) => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'IST-1GMT0,M10.5.0,M3.5.0/1';
    const s = Schedule.create({ when: 'MIDNIGHT' });
    t.like(s.localtime(1767225600), { isdst: 1, utoff: 0, abbr: 'GMT' });
    t.like(s.localtime(1751328000), { isdst: 0, utoff: HOUR, abbr: 'IST' });
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

// ------------------------------------------------------------------ atTime, utc, zones --

test('atTime moves MIDNIGHT rollovers to that time of day', (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', atTime: { hour: 12, minute: 0, second: 0 }, timezone: NY });
  t.deepEqual(chain(s, 1768395600, 1), [1768410000, ['2026-01-13', 1768496400]]);
});

test('atTime as "HH:MM[:SS[.ffffff]]" equals the object form', (t) => {
  const s = Schedule.create({ when: 'W3', atTime: '02:30:15.5', timezone: NY });
  t.deepEqual(s.atTime, { hour: 2, minute: 30, second: 15, microsecond: 500000 });
  const o = Schedule.create({ when: 'W3', atTime: { hour: 2, minute: 30, second: 15 }, timezone: NY });
  t.is(s.computeRollover(1768395600), o.computeRollover(1768395600));
});

test("atTime equal to the current second is tomorrow's rollover (CPython 3.13; 3.11 rolled over at once)", (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', atTime: '00:00', utc: true });
  t.is(s.computeRollover(1767225600), 1767225600 + DAY);
  t.is(s.nextRollover(1767225600), 1767225600 + DAY);
});

test('atTime is ignored for S/M/H/D, as in CPython', (t) => {
  const s = Schedule.create({ when: 'D', atTime: '12:00', timezone: NY });
  t.is(s.computeRollover(1768395600), 1768395600 + DAY);
});

test('utc: MIDNIGHT is UTC midnight and names use UTC dates, whatever the zone', (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT', utc: true, timezone: NY });
  t.deepEqual(chain(s, 1768395600, 1), [1768435200, ['2026-01-14', 1768521600]]);
  t.is(s.localtime(1768435200).abbr, 'UTC');
});

test('without timezone the process zone (TZ) is used, read when the schedule is created', (t) => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Shanghai';
    const s = Schedule.create({ when: 'MIDNIGHT' });
    t.is(s.timezone, null);
    t.is(s.localtime(1767225600).utoff, 8 * HOUR);
    process.env.TZ = 'UTC';
    t.is(s.localtime(1767225600).utoff, 8 * HOUR);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('gmtime and strftime: the C-locale directives Python has', (t) => {
  const tm = gmtime(1772425845.9); // 2026-03-02T04:30:45Z, a Monday
  t.is(
    strftime('%Y-%m-%d %H:%M:%S %y %j %a %A %b %B %p %I %Z %z %%', tm),
    '2026-03-02 04:30:45 26 061 Mon Monday Mar March AM 04 UTC +0000 %',
  );
  t.is(strftime('%I %p', gmtime(1772425845 + 9 * HOUR)), '01 PM');
});

// ------------------------------------------------------------------ validation --

const rejects = (t, opts, option, message) => {
  const e = t.throws(() => Schedule.create(opts), { instanceOf: ConfigError });
  t.is(e.code, 'ERR_CONCURRENT_LOG_OPTION');
  t.is(e.option, option);
  if (message instanceof RegExp) t.regex(e.message, message);
  else t.is(e.message, message);
  return e;
};

test("unknown when: CPython's message", (t) => {
  rejects(t, { when: 'X' }, 'when', 'Invalid rollover interval specified: X');
  rejects(t, { when: ' midnight' }, 'when', 'Invalid rollover interval specified:  MIDNIGHT');
});

test("weekly without a day 0-6: CPython's messages", (t) => {
  rejects(t, { when: 'W' }, 'when', 'You must specify a day for weekly rollover from 0 to 6 (0 is Monday): W');
  rejects(t, { when: 'W10' }, 'when', 'You must specify a day for weekly rollover from 0 to 6 (0 is Monday): W10');
  rejects(t, { when: 'w7' }, 'when', 'Invalid day specified for weekly rollover: W7');
});

test('a non-string when is refused, naming the option and value', (t) => {
  const e = rejects(t, { when: 5 }, 'when', /'when'.*5/);
  t.is(e.value, 5);
});

for (const interval of [0, -1, 1.5, Number.NaN, '2', true, null]) {
  test(`interval ${String(interval)} is refused (Node check: a positive integer)`, (t) => {
    const e = rejects(t, { when: 'H', interval }, 'interval', /'interval'.*positive integer/);
    t.is(e.value, interval);
  });
}

for (const atTime of ['25:00', '12:60', '1200', '12:00:00+05:00', 5, { hour: 12 }]) {
  test(`malformed atTime ${JSON.stringify(atTime)} is refused`, (t) => {
    rejects(t, { when: 'MIDNIGHT', atTime }, 'atTime', /'atTime'/);
  });
}

test('an unknown timezone is refused, naming the option and the value', (t) => {
  rejects(t, { timezone: 'Mars/Olympus_Mons' }, 'timezone', /'timezone'.*Mars\/Olympus_Mons/);
  rejects(t, { timezone: '../../etc/passwd' }, 'timezone', /'timezone'/);
});

// ------------------------------------------------------------------ filesToDelete --

const FILES = [
  'test.log',
  'test.log.2026-01-03',
  'test.log.2026-01-01',
  'test.log.2026-01-02.gz',
  'test.log.bak',
  'other.log.2026-01-01',
  'test.2026-01-04.log',
];

test('filesToDelete: the oldest rotated files beyond backupCount, as full sorted paths', (t) => {
  const s = Schedule.create({ when: 'D' });
  t.deepEqual(filesToDelete('/logs/test.log', 1, s, null, FILES), ['/logs/test.log.2026-01-01']);
  t.deepEqual(filesToDelete('/logs/test.log', 2, s, null, FILES), []);
  t.deepEqual(filesToDelete('/logs/test.log', 3, s, null, FILES), []);
});

test('filesToDelete with backupCount 0 lists every candidate (CPython; doRollover never asks)', (t) => {
  const s = Schedule.create({ when: 'D' });
  t.is(filesToDelete('/logs/test.log', 0, s, null, FILES).length, 2);
});

test("filesToDelete without a namer takes exactly <base>.<date>: not .gz, not another log's <base>.b.<date> (CPython 3.13, GH-93205)", (t) => {
  const s = Schedule.create({ when: 'D' });
  const names = ['test.log.2026-01-01', 'test.log.2026-01-02.gz', 'test.log.b.2026-01-03', 'test.log.2026-01-04.1'];
  t.deepEqual(filesToDelete('/logs/test.log', 0, s, null, names), ['/logs/test.log.2026-01-01']);
  // Our own names, when the handler makes them: gzipped (compress) and numbered parts (maxBytes).
  t.deepEqual(filesToDelete('/logs/test.log', 0, s, null, names, { compressed: true, parts: true }), [
    '/logs/test.log.2026-01-01',
    '/logs/test.log.2026-01-02.gz',
    '/logs/test.log.2026-01-04.1',
  ]);
});

test('filesToDelete with a namer takes the names the namer gives for a date, and no others (CPython 3.13)', (t) => {
  const s = Schedule.create({ when: 'MIDNIGHT' });
  const dateBeforeExt = (p) => p.replace(/\.log\.([^/]*)$/, '.$1.log');
  t.deepEqual(filesToDelete('/logs/test.log', 0, s, dateBeforeExt, FILES), ['/logs/test.2026-01-04.log']);
  t.deepEqual(
    filesToDelete('/logs/test.log', 0, s, (p) => `${p}.gz`, FILES),
    ['/logs/test.log.2026-01-02.gz'],
  );
});

test('filesToDelete refuses a namer that is not a function or null (the 3.11-era boolean), naming the option', (t) => {
  const err = t.throws(() => filesToDelete('/logs/test.log', 0, Schedule.create({ when: 'D' }), true, FILES), {
    instanceOf: ConfigError,
  });
  t.is(err.option, 'namer');
  t.regex(err.message, /must be a function or null, got true/);
});

test('filesToDelete matches the suffix pattern of the schedule: H ignores daily names', (t) => {
  const s = Schedule.create({ when: 'H' });
  t.deepEqual(filesToDelete('/logs/test.log', 0, s, null, ['test.log.2026-01-01', 'test.log.2026-01-01_05']), [
    '/logs/test.log.2026-01-01_05',
  ]);
});
