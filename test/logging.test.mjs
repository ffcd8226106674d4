import test from 'ava';
import * as workerThreads from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as logging from 'concurrent-log';
import { MemoryHandler } from './fixtures/logging/memory-handler.mjs';

const { getLogger, Formatter, Filter, DEBUG, INFO, WARNING, ERROR, CRITICAL, NOTSET } = logging;
const THIS_FILE = fileURLToPath(import.meta.url);
let seq = 0;
/** A fresh logger name per test: the hierarchy is process-wide. */
const fresh = (prefix = 't') => `${prefix}${++seq}_${Math.random().toString(36).slice(2, 8)}`;

/** A logger with one memory handler, not propagating to the root. */
function setup(fmt, level = DEBUG) {
  const logger = getLogger(fresh());
  logger.propagate = false;
  logger.setLevel(level);
  const h = new MemoryHandler();
  if (fmt !== undefined) h.setFormatter(new Formatter(fmt));
  logger.addHandler(h);
  return { logger, h };
}

test('getLogger returns the same logger for the same name, and the root for no name or "root"', (t) => {
  const name = fresh();
  t.is(getLogger(name), getLogger(name));
  t.is(getLogger(), getLogger('root'));
  t.is(getLogger(), getLogger(''));
  t.is(getLogger().name, 'root');
  t.is(getLogger().level, WARNING);
});

test('a child created before its parent is re-parented when the parent is created (placeholders)', (t) => {
  const base = fresh();
  const child = getLogger(`${base}.a.b`);
  t.is(child.parent, getLogger());
  const mid = getLogger(`${base}.a`);
  t.is(child.parent, mid);
  t.is(mid.parent, getLogger());
  const top = getLogger(base);
  t.is(mid.parent, top);
  t.is(child.parent, mid);
});

test('getEffectiveLevel is the first level set up the hierarchy', (t) => {
  const base = fresh();
  const parent = getLogger(base);
  const child = getLogger(`${base}.c`);
  t.is(child.level, NOTSET);
  parent.setLevel('ERROR');
  t.is(child.getEffectiveLevel(), ERROR);
  t.false(child.isEnabledFor(WARNING));
  parent.setLevel(INFO);
  t.true(child.isEnabledFor(WARNING), 'the isEnabledFor cache is dropped when a level changes');
  child.setLevel(CRITICAL);
  t.is(child.getEffectiveLevel(), CRITICAL);
});

test("setLevel rejects unknown names and non-integers with Python's errors", (t) => {
  const logger = getLogger(fresh());
  t.throws(() => logger.setLevel('LOUD'), { instanceOf: logging.ValueError, message: "Unknown level: 'LOUD'" });
  t.throws(() => logger.setLevel(1.5), {
    instanceOf: TypeError,
    message: 'Level not an integer or a valid string: 1.5',
  });
});

test("records propagate to ancestors' handlers unless propagate is false", (t) => {
  const base = fresh();
  const parent = getLogger(base);
  parent.propagate = false;
  parent.setLevel(DEBUG);
  const ph = new MemoryHandler();
  parent.addHandler(ph);
  const child = getLogger(`${base}.x`);
  const ch = new MemoryHandler();
  child.addHandler(ch);
  child.info('one');
  child.propagate = false;
  child.info('two');
  t.deepEqual(ch.lines, ['one', 'two']);
  t.deepEqual(ph.lines, ['one']);
});

test('a disabled logger drops every record', (t) => {
  const { logger, h } = setup();
  logger.disabled = true;
  logger.critical('lost');
  t.false(logger.isEnabledFor(CRITICAL));
  t.deepEqual(h.lines, []);
});

test("a handler's level filters records below it", (t) => {
  const { logger, h } = setup();
  h.setLevel('WARNING');
  logger.info('no');
  logger.warning('yes');
  t.deepEqual(h.lines, ['yes']);
});

test('getChild, hasHandlers, removeHandler', (t) => {
  const base = fresh();
  const parent = getLogger(base);
  parent.propagate = false;
  const child = parent.getChild('kid');
  t.is(child, getLogger(`${base}.kid`));
  t.is(getLogger().getChild(base), parent);
  t.false(child.hasHandlers());
  const h = new MemoryHandler();
  parent.addHandler(h);
  t.true(child.hasHandlers());
  parent.removeHandler(h);
  t.false(child.hasHandlers());
});

test('every level method emits its level; warn and fatal are aliases; log takes a level', (t) => {
  const { logger, h } = setup('%(levelname)s:%(levelno)s:%(message)s');
  logger.debug('d');
  logger.info('i');
  logger.warning('w');
  logger.warn('w2');
  logger.error('e');
  logger.critical('c');
  logger.fatal('f');
  logger.log(25, 'custom');
  t.deepEqual(h.lines, [
    'DEBUG:10:d',
    'INFO:20:i',
    'WARNING:30:w',
    'WARNING:30:w2',
    'ERROR:40:e',
    'CRITICAL:50:c',
    'CRITICAL:50:f',
    'Level 25:25:custom',
  ]);
  t.throws(() => logger.log('INFO', 'x'), { instanceOf: TypeError, message: 'level must be an integer' });
});

test('addLevelName names a level for getLevelName and %(levelname)s', (t) => {
  logging.addLevelName(15, 'VERBOSE');
  t.is(logging.getLevelName(15), 'VERBOSE');
  t.is(logging.getLevelName('VERBOSE'), 15);
  t.is(logging.getLevelName(INFO), 'INFO');
  t.is(logging.getLevelName(17), 'Level 17');
  const { logger, h } = setup('%(levelname)s %(message)s');
  logger.log(15, 'v');
  t.deepEqual(h.lines, ['VERBOSE v']);
});

test("messages are formatted as Python's msg % args: %s %d %i %f %r %%", (t) => {
  const { logger, h } = setup();
  logger.info('%s|%d|%i|%f|%r|%%|%5.2f|%-4d|%x', 'str', 3.9, -2.5, 1.5, 'q', 3.14159, 7, 255);
  t.deepEqual(h.lines, ["str|3|-2|1.500000|'q'|%| 3.14|7   |ff"]);
});

test('a single object argument fills %(name)s fields', (t) => {
  const { logger, h } = setup();
  logger.info('%(user)s has %(n)03d items', { user: 'ana', n: 7 });
  t.deepEqual(h.lines, ['ana has 007 items']);
});

test('a message without arguments is used as is, % signs included', (t) => {
  const { logger, h } = setup();
  logger.info('100% done %s');
  t.deepEqual(h.lines, ['100% done %s']);
});

test("a message whose arguments do not match is reported through handleError with Python's TypeError", (t) => {
  const { logger, h } = setup();
  const errors = [];
  h.on('error', (err) => errors.push(err));
  logger.info('%s %s', 'only one');
  logger.info('none here', 'extra');
  t.deepEqual(h.lines, []);
  t.deepEqual(
    errors.map((e) => e.message),
    ['not enough arguments for format string', 'not all arguments converted during string formatting'],
  );
});

test('Formatter fields take widths and flags: %(levelname)-8s, %(lineno)5d, %(msecs)03d', (t) => {
  const f = new Formatter('[%(levelname)-8s][%(lineno)5d][%(msecs)03d][%(created)f][%(name)s]');
  const r = logging.makeLogRecord({ name: 'n', levelno: INFO, lineno: 42, msecs: 7, created: 1.5, msg: 'm' });
  t.is(f.format(r), '[INFO    ][   42][007][1.500000][n]');
});

test('the default asctime is Python\'s "%Y-%m-%d %H:%M:%S,mmm"; datefmt is strftime', (t) => {
  const created = new Date(2024, 2, 5, 7, 8, 9, 12).getTime() / 1000;
  const r = logging.makeLogRecord({ created, msecs: 12, msg: 'm' });
  t.is(new Formatter('%(asctime)s %(message)s').format(r), '2024-03-05 07:08:09,012 m');
  t.is(new Formatter('%(asctime)s', '%Y/%m/%d %H-%M-%S %a %b %j').format(r), '2024/03/05 07-08-09 Tue Mar 065');
});

test('usesTime is true only when the format has asctime', (t) => {
  t.true(new Formatter('%(asctime)s %(message)s').usesTime());
  t.false(new Formatter('%(message)s').usesTime());
  t.true(new Formatter('{asctime} {message}', null, '{').usesTime());
  t.true(new Formatter('${asctime} $message', null, '$').usesTime());
});

test('the { and $ styles format the same fields', (t) => {
  const r = logging.makeLogRecord({ name: 'app', levelno: WARNING, msg: 'hi %s', args: ['you'] });
  t.is(new Formatter('{levelname:<8}|{name:>5}|{message}|{{x}}', null, '{').format(r), 'WARNING |  app|hi you|{x}');
  t.is(new Formatter('$levelname ${name}: $message $$', null, '$').format(r), 'WARNING app: hi you $');
});

test('a format without any field is rejected as in Python', (t) => {
  t.throws(() => new Formatter('plain text'), {
    instanceOf: logging.ValueError,
    message: "Invalid format 'plain text' for '%' style",
  });
  t.throws(() => new Formatter('%(message)s', null, '!'), { message: 'Style must be one of: %,{,$' });
});

test("pathname, filename, module, lineno and funcName are the caller's", (t) => {
  const { logger, h } = setup('%(pathname)s|%(filename)s|%(module)s|%(lineno)d|%(funcName)s');
  // Each logging call shares its line with what reads that line number: kept so by prettier-ignore.
  // prettier-ignore
  function callerFunction() {
    logger.info('x'); const line = Number(new Error().stack.split('\n')[1].split(':').at(-2));
    return line;
  }
  const line = callerFunction();
  t.deepEqual(h.lines, [`${THIS_FILE}|logging.test.mjs|logging.test|${line}|callerFunction`]);
});

/** The line of the caller of this function (read from a plain string stack, independently of the layer). */
function lineHere() {
  return Number(new Error().stack.split('\n')[2].split(':').at(-2));
}

test('callers are exact through the per-call-site cache: one site hit often, and sites that share a function', (t) => {
  const { logger, h } = setup('%(pathname)s|%(lineno)d|%(funcName)s|%(module)s');
  // One call site called from two lines: each record names the helper's own line (the call site
  // that calls the logger), whichever line called the helper.
  // prettier-ignore
  function helper(msg) {
    logger.info(msg); return lineHere();
  }
  function first() {
    return helper('a');
  }
  function second() {
    return helper('b');
  }
  const helperLine = first();
  t.is(second(), helperLine);
  // Two call sites in one function, and a hot loop so V8 optimizes (and may inline) the caller.
  // prettier-ignore
  function twoSites(i) {
    if (i % 2) {
      logger.debug('odd'); return lineHere();
    }
    logger.warning('even'); return lineHere();
  }
  const lines = [];
  for (let i = 0; i < 20_000; i++) lines.push(twoSites(i));
  t.is(h.lines.length, 2 + 20_000);
  t.deepEqual(h.lines.slice(0, 2), [
    `${THIS_FILE}|${helperLine}|helper|logging.test`,
    `${THIS_FILE}|${helperLine}|helper|logging.test`,
  ]);
  for (let i = 0; i < 20_000; i++) {
    const got = h.lines[2 + i];
    if (got !== `${THIS_FILE}|${lines[i]}|twoSites|logging.test`)
      return t.fail(`record ${i}: ${got}, expected line ${lines[i]}`);
  }
  t.not(lines[0], lines[1]);
});

test('the caller is not looked up when no formatter uses it', (t) => {
  const { logger, h } = setup('%(levelname)s %(message)s');
  const original = Error.captureStackTrace;
  let calls = 0;
  Error.captureStackTrace = (...a) => {
    calls++;
    return original(...a);
  };
  try {
    logger.info('cheap');
  } finally {
    Error.captureStackTrace = original;
  }
  t.is(calls, 0);
  t.is(h.records[0].lineno, 0);
  t.is(h.records[0].pathname, '(unknown file)');
});

test('the caller is looked up once a formatter that uses it is attached', (t) => {
  const { logger, h } = setup('%(message)s');
  logger.info('a');
  const h2 = new MemoryHandler();
  h2.setFormatter(new Formatter('%(lineno)d'));
  logger.addHandler(h2);
  logger.info('b');
  t.is(h.records[0].lineno, 0);
  t.true(h.records[1].lineno > 0);
});

test("exception() writes the error's stack after the message", (t) => {
  const { logger, h } = setup('%(levelname)s: %(message)s');
  const err = new Error('boom');
  logger.exception('failed %s', 'job-1', err);
  const [first, ...rest] = h.lines[0].split('\n');
  t.is(first, 'ERROR: failed job-1');
  t.is(rest[0], 'Error: boom');
  t.regex(rest[1], /^\s+at /);
  t.is(h.records[0].excInfo, err);
});

test("exception(err) logs the error's message, then its stack", (t) => {
  const { logger, h } = setup('%(message)s');
  logger.exception(new TypeError('bad type'));
  t.true(h.lines[0].startsWith('bad type\nTypeError: bad type\n'));
});

test("a trailing Error that no placeholder consumes becomes the record's exception at any level", (t) => {
  const { logger, h } = setup('%(message)s');
  logger.warning('retrying %s', 'x', new Error('e1'));
  logger.warning('value: %s', new Error('e2'));
  t.true(h.lines[0].startsWith('retrying x\nError: e1\n'));
  t.is(h.lines[1], 'value: e2');
});

test('Filter(name) passes the named logger and its children only', (t) => {
  const f = new Filter('a.b');
  const rec = (name) => logging.makeLogRecord({ name });
  t.true(f.filter(rec('a.b')));
  t.true(f.filter(rec('a.b.c')));
  t.false(f.filter(rec('a.bc')));
  t.false(f.filter(rec('a')));
  t.true(new Filter().filter(rec('anything')));
});

test('handler and logger filters may be functions, and may return a replacement record', (t) => {
  const { logger, h } = setup('%(message)s %(tag)s');
  h.addFilter((r) => r.msg !== 'drop');
  logger.addFilter((r) => Object.assign(r, { tag: 'tagged' }));
  logger.info('keep');
  logger.info('drop');
  t.deepEqual(h.lines, ['keep tagged']);
});

test('threadName is MainThread on the main thread and thread is its threadId', (t) => {
  const { logger, h } = setup('%(threadName)s %(thread)d %(process)d %(processName)s');
  logger.info('x');
  t.is(h.lines[0], `MainThread 0 ${process.pid} MainProcess`);
});

test('threadName is Thread-<threadId> in a worker thread', async (t) => {
  const code = `
    const { parentPort, threadId } = require('node:worker_threads');
    const logging = require('concurrent-log');
    const { Handler, Formatter, getLogger } = logging;
    class H extends Handler { emitRecord(r) { parentPort.postMessage({ line: this.format(r), threadId }); } }
    const h = new H(); h.setFormatter(new Formatter('%(threadName)s %(thread)d'));
    const l = getLogger('w'); l.addHandler(h); l.warning('x');`;
  const msg = await new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', resolve);
    w.once('error', reject);
  });
  t.is(msg.line, `Thread-${msg.threadId} ${msg.threadId}`);
});

test('threadName is the name a worker thread was given (new Worker(..., { name })) where Node tells it (22+)', async (t) => {
  const code = `
    const { parentPort, threadId } = require('node:worker_threads');
    const { Handler, Formatter, getLogger } = require('concurrent-log');
    class H extends Handler { emitRecord(r) { parentPort.postMessage({ line: this.format(r), threadId }); } }
    const h = new H(); h.setFormatter(new Formatter('%(threadName)s'));
    const l = getLogger('named'); l.addHandler(h); l.warning('x');`;
  const msg = await new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, name: 'ingest-7' });
    w.once('message', resolve);
    w.once('error', reject);
  });
  // Node 20 has no worker_threads.threadName: a worker cannot know its name there.
  t.is(msg.line, 'threadName' in workerThreads ? 'ingest-7' : `Thread-${msg.threadId}`);
});

test('records reaching no handler go to the last-resort handler at WARNING', (t) => {
  const logger = getLogger(fresh());
  logger.propagate = false;
  const original = logging.lastResort;
  const h = new MemoryHandler(WARNING);
  logging.setLastResort(h);
  try {
    logger.info('quiet');
    logger.error('loud');
  } finally {
    logging.setLastResort(original);
  }
  t.deepEqual(h.lines, ['loud']);
});

test('a Logger made with new (outside getLogger) works on its own', (t) => {
  const logger = new logging.Logger('standalone', 'INFO');
  const h = new MemoryHandler();
  logger.addHandler(h);
  logger.debug('no');
  logger.info('yes');
  t.deepEqual(h.lines, ['yes']);
});

test("%e, %g, %x and the + 0 # flags format as Python's % operator does", (t) => {
  const { logger, h } = setup();
  logger.info('%e|%g|%g|%.3g|%#x|%+d|%05d|%G|%c', 12345.678, 0.00001234, 123456789, 3.14159, 255, 5, -42, 1e-10, 65);
  t.deepEqual(h.lines, ['1.234568e+04|1.234e-05|1.23457e+08|3.14|0xff|+5|-0042|1E-10|A']);
});
