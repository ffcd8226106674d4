// Every guarantee under default options (delay: false, no folder made beforehand, the default lock
// file) and under everyday operations: restarts with a new schedule, a deleted or renamed base file,
// a missing folder, log shippers globbing the log's folder.
import test from 'ava';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler, ConfigError } from 'concurrent-log';
import { tempDir, lockOf } from './helpers/core.mjs';

const read = (p) => readFileSync(p, 'utf8');
/** What a shipper watching `app.log*` sees. */
const globbed = (dir) => readdirSync(dir).filter((f) => f.startsWith('app.log')).sort();

test('the lock and rotation state live in a dot-file beside the log, outside the app.log* glob', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('one\n');
  await h.close();
  t.deepEqual(globbed(dir), ['app.log']);
  t.true(existsSync(lockOf(file)));
  t.is(typeof JSON.parse(read(lockOf(file))).rolloverAt, 'number');
});

test('lockFile puts the lock and state where the user says, and nothing else beside the log', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const lockFile = join(tempDir(), 'state', 'app.lock');
  const h = new ConcurrentTimedRotatingFileHandler(file, { lockFile });
  h.write('one\n');
  await h.close();
  t.deepEqual(readdirSync(dir), ['app.log']);
  t.is(typeof JSON.parse(read(lockFile)).rolloverAt, 'number');
});

test('a lockFile that is empty, not a string or the log itself is refused, naming the option', (t) => {
  const file = join(tempDir(), 'app.log');
  for (const lockFile of ['', 42, file]) {
    const err = t.throws(() => new ConcurrentTimedRotatingFileHandler(file, { lockFile }), { instanceOf: ConfigError });
    t.regex(err.message, /lockFile/);
  }
});

test('with default options the handler makes the log\'s missing folders, as the quick start does', async (t) => {
  const root = tempDir();
  const file = join(root, 'logs', 'a', 'b', 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  const errors = [];
  h.on('error', (e) => errors.push(e));
  t.true(h.write('one\n'));
  await h.close();
  t.is(read(file), 'one\n');
  t.deepEqual(errors, []);
});

test('mkdir: false: a missing folder is a LogFileError naming the log file, and close() still resolves', async (t) => {
  const file = join(tempDir(), 'missing', 'app.log');
  const errors = [];
  const h = new ConcurrentTimedRotatingFileHandler(file, { mkdir: false, onError: (e) => errors.push(e) });
  h.write('one\n');
  await t.notThrowsAsync(h.close());
  t.false(existsSync(file));
  t.true(errors.length > 0);
  for (const e of errors) {
    t.is(e.name, 'LogFileError');
    t.is(e.path, file);
    t.regex(e.message, /mkdir: false/);
  }
});

test('a folder removed while the handler runs is made again and later records land in it', async (t) => {
  const root = tempDir();
  const file = join(root, 'logs', 'app.log');
  const h = new ConcurrentTimedRotatingFileHandler(file);
  h.write('before\n');
  await h.flush();
  rmSync(join(root, 'logs'), { recursive: true });
  h.write('after\n');
  await h.close();
  t.is(read(file), 'after\n');
});
