// Bad input: every option is checked at construction, with an error naming the option and showing
// the value. Records of any size and content arrive byte for byte.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler, ConfigError } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';

const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
const make = (options, filename = join(tempDir(), 'app.log')) =>
  new ConcurrentTimedRotatingFileHandler(filename, { when: 'S', utc: true, delay: true, ...options });

for (const [option, value, shown] of [
  ['backupCount', -3, '-3'],
  ['backupCount', 2.5, '2.5'],
  ['backupCount', '5', '"5"'],
  ['interval', 0, '0'],
  ['interval', Number.NaN, 'NaN'],
  ['interval', -2, '-2'],
  ['interval', 1.5, '1.5'],
  ['interval', '2', '"2"'],
  ['encoding', 'utf-9', 'utf-9'],
  ['encoding', 'ebcdic', 'ebcdic'],
  ['atTime', '7:00', '7:00'],
  ['atTime', '24:00', '24:00'],
  ['atTime', '12:60', '12:60'],
  ['atTime', '12:00:61', '12:00:61'],
  ['atTime', '12-00', '12-00'],
  ['atTime', '', '""'],
  ['atTime', { hour: 25, minute: 0, second: 0 }, '25'],
  ['timezone', 'Europe/Atlantis', 'Europe/Atlantis'],
  ['timezone', 42, '42'],
  ['ringSize', 100_000, '100000'],
  ['ringSize', 1024, '1024'],
  ['ringSize', 2 ** 31, String(2 ** 31)],
  ['ringSize', -65536, '-65536'],
  ['flushInterval', 0, '0'],
  ['flushInterval', -5, '-5'],
  ['flushInterval', Number.POSITIVE_INFINITY, 'Infinity'],
  ['flushInterval', '10', '"10"'],
  ['batchBytes', 0, '0'],
  ['batchBytes', 1.5, '1.5'],
  ['batchBytes', 8 * 1024 * 1024, String(8 * 1024 * 1024)],
  ['mode', -1, '-1'],
  ['mode', 0o10000, String(0o10000)],
  ['mode', 0.5, '0.5'],
  ['delay', 'yes', '"yes"'],
  ['shared', 1, '1'],
  ['utc', 'true', '"true"'],
  ['when', 'W7', 'W7'],
  ['when', 5, '5'],
  ['onError', 'log', '"log"'],
  ['clock', 123, '123'],
  ['namer', 'x', '"x"'],
  ['rotator', 'mv', '"mv"'],
  ['backupcount', 3, 'backupcount'],
  ['flushIntervalMs', 10, 'flushIntervalMs'],
]) {
  test(`option ${option} = ${typeof value === 'object' ? JSON.stringify(value) : String(value)} is refused at construction, naming the option and the value`, (t) => {
    const err = t.throws(() => make({ [option]: value }), { instanceOf: ConfigError });
    t.is(err.option, option);
    t.is(err.code, 'ERR_CONCURRENT_LOG_OPTION');
    t.true(err.message.includes(shown), `${JSON.stringify(shown)} in: ${err.message}`);
  });
}

for (const filename of [42, null, '', { path: 'a.log' }, Buffer.from('a.log')]) {
  test(`filename ${JSON.stringify(filename)} is refused, naming the filename option`, (t) => {
    const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(filename, { delay: true }), {
      instanceOf: ConfigError,
    });
    t.is(err.option, 'filename');
    t.regex(err.message, /filename/);
  });
}

test('options that are not an object are refused', (t) => {
  const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(join(tempDir(), 'a.log'), 'S'), {
    instanceOf: ConfigError,
  });
  t.is(err.option, 'options');
  t.regex(err.message, /"S"/);
});

/** Writes records, closes, and returns the base file's bytes. */
async function roundTrip(options, records) {
  const dir = tempDir();
  const h = make(options, join(dir, 'app.log'));
  const errors = [];
  h.on('error', (e) => errors.push(e));
  for (const r of records) if (!h.write(r, T0 + 1)) errors.push(new Error('refused'));
  await h.close();
  return { bytes: readFileSync(join(dir, 'app.log')), errors };
}

const HEADER = 12; // [u32 length][f64 time] before each record in the ring
const RING = 64 * 1024;

test('a multi-byte character split by the end of the ring arrives intact', async (t) => {
  // The filler leaves exactly one byte before the ring wraps for the next record's payload.
  const filler = 'f'.repeat(RING - 1 - 2 * HEADER - 1) + '\n';
  const split = '€𝄞 漢字 ✓\n';
  // A header split by the wrap too: the next record's header starts 5 bytes before the end.
  const filler2 = 'g'.repeat(RING - 5 - (Buffer.byteLength(split) - 1) - HEADER - 1) + '\n';
  const records = [filler, split, filler2, 'after the header wrap ümlaut\n'];
  const { bytes, errors } = await roundTrip({ ringSize: RING, flushInterval: 1 }, records);
  t.deepEqual(errors, []);
  t.true(bytes.equals(Buffer.from(records.join(''), 'utf8')));
});

test('multi-byte records of every length through a small ring arrive byte for byte', async (t) => {
  const chars = ['a', 'é', '€', '𝄞', '漢', '\u0000', '\r'];
  const records = [];
  for (let i = 0; i < 3000; i++) {
    let s = '';
    for (let k = 0; k < i % 211; k++) s += chars[(i * 7 + k * 3) % chars.length];
    records.push(`${i} ${s}\n`);
  }
  const { bytes, errors } = await roundTrip({ ringSize: RING, flushInterval: 1 }, records);
  t.deepEqual(errors, []);
  t.true(bytes.equals(Buffer.from(records.join(''), 'utf8')));
});

test('a line over 64 KiB of multi-byte text arrives intact', async (t) => {
  const line = '行'.repeat(40_000) + '\n'; // 120 KB of UTF-8, bigger than the first scratch frame
  const records = ['small\n', line, 'small again\n'];
  const { bytes, errors } = await roundTrip({}, records);
  t.deepEqual(errors, []);
  t.true(bytes.equals(Buffer.from(records.join(''), 'utf8')));
});

test('a line bigger than the ring arrives intact, in order, after what was queued before it', async (t) => {
  const big = '𝄞'.repeat(50_000) + '\n'; // 200 KB through a 64 KiB ring
  const records = [];
  for (let i = 0; i < 500; i++) records.push(`before ${i} é\n`);
  records.push(big);
  records.push('after\n');
  const { bytes, errors } = await roundTrip({ ringSize: RING }, records);
  t.deepEqual(errors, []);
  t.true(bytes.equals(Buffer.from(records.join(''), 'utf8')));
});

test('a record exactly as big as the ring arrives intact', async (t) => {
  const exact = Buffer.alloc(RING - HEADER, 0xe2); // bytes records are written as given
  exact[exact.length - 1] = 0x0a;
  const records = [Buffer.from('first\n'), exact, Buffer.from('last\n')];
  const { bytes, errors } = await roundTrip({ ringSize: RING }, records);
  t.deepEqual(errors, []);
  t.true(bytes.equals(Buffer.concat(records)));
});
