import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as logging from 'concurrent-log';
import { MemoryHandler } from './fixtures/logging/memory-handler.mjs';

const { dictConfig, basicConfig, getLogger, shutdown, handlers, StreamHandler, Formatter } = logging;
const Core = handlers.ConcurrentTimedRotatingFileHandler;

const dirs = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'cl-logging-'));
  dirs.push(d);
  return d;
}
test.after.always(async () => {
  await shutdown();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every line of the log and its rotated files. */
/** The lines of a log's files in time order: the rotated files by name (their suffix is their time), then the base. */
function allLines(dir, base) {
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && !f.endsWith('.lock'))
    .sort();
  return [...rotated, base]
    .filter((f) => readdirSync(dir).includes(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
}

/** The seed's configuration, unchanged but for the file's directory. */
function seedConfig(filename) {
  return {
    version: 1,
    disable_existing_loggers: false,
    formatters: {
      default: {
        format: '%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s',
        datefmt: '%Y-%m-%d %H:%M:%S',
      },
    },
    handlers: {
      file: {
        level: 'DEBUG',
        class: 'logging.handlers.ConcurrentTimedRotatingFileHandler',
        backupCount: 0,
        when: 's',
        filename,
        encoding: 'utf-8',
        formatter: 'default',
        delay: true,
      },
    },
    root: { handlers: ['file'], level: 'DEBUG' },
  };
}

test.serial("the seed's dictConfig writes every level to the rotating file in the seed's format", async (t) => {
  const dir = tmp();
  dictConfig(seedConfig(join(dir, 'test.log')));
  const logger = getLogger('seed');
  t.true(getLogger().handlers[0] instanceof Core);
  // The line after this one: the five calls are on five lines in a row.
  const line = Number(new Error().stack.split('\n')[1].split(':').at(-2)) + 1;
  logger.debug('debug-1-2');
  logger.info('info-1-2');
  logger.warning('警告-1-2');
  logger.error('报错-1-2');
  logger.critical('严重-1-2');
  await shutdown();
  const lines = allLines(dir, 'test.log');
  t.is(lines.length, 5);
  const re = new RegExp(
    `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d - ${process.pid}-MainThread - ${fileURLToPath(import.meta.url).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\[line:(\\d+)\\] - (\\w+): (.*)$`,
  );
  const parsed = lines.map((l) => re.exec(l));
  t.true(parsed.every(Boolean), lines.join('\n'));
  t.deepEqual(
    parsed.map((m) => m[2]),
    ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'],
  );
  t.deepEqual(
    parsed.map((m) => m[3]),
    ['debug-1-2', 'info-1-2', '警告-1-2', '报错-1-2', '严重-1-2'],
  );
  t.deepEqual(
    parsed.map((m) => Number(m[1])),
    [line, line + 1, line + 2, line + 3, line + 4],
  );
});

test.serial(
  'the Python class names of the timed rotating handler all make ConcurrentTimedRotatingFileHandler',
  async (t) => {
    const dir = tmp();
    const names = [
      'logging.handlers.ConcurrentTimedRotatingFileHandler',
      'logging.handlers.TimedRotatingFileHandler',
      'concurrent_log.ConcurrentTimedRotatingFileHandler',
    ];
    const hs = {};
    names.forEach(
      (cls, i) =>
        (hs[`h${i}`] = {
          class: cls,
          filename: join(dir, `f${i}.log`),
          when: 'midnight',
          interval: 1,
          backupCount: 3,
          utc: true,
          delay: true,
        }),
    );
    dictConfig({ version: 1, handlers: hs, root: { handlers: Object.keys(hs) } });
    const made = getLogger().handlers;
    t.is(made.length, 3);
    for (const h of made) t.true(h instanceof Core);
    t.deepEqual(
      made.map((h) => h.name),
      ['h0', 'h1', 'h2'],
    );
    await shutdown();
  },
);

test.serial('StreamHandler takes ext://sys.stdout and ext://sys.stderr', (t) => {
  dictConfig({
    version: 1,
    handlers: {
      out: { class: 'logging.StreamHandler', stream: 'ext://sys.stdout' },
      err: { class: 'logging.StreamHandler', stream: 'ext://sys.stderr', level: 'ERROR' },
    },
    root: { handlers: ['err', 'out'] },
  });
  const [err, out] = getLogger().handlers;
  t.true(out instanceof StreamHandler);
  t.is(out.stream, process.stdout);
  t.is(err.stream, process.stderr);
  t.is(err.level, logging.ERROR);
});

test.serial('FileHandler from dictConfig appends formatted records; shutdown closes it', async (t) => {
  const dir = tmp();
  const file = join(dir, 'plain.log');
  dictConfig({
    version: 1,
    formatters: { brief: { format: '{levelname}|{name}|{message}', style: '{' } },
    handlers: { f: { class: 'logging.FileHandler', filename: file, mode: 'w', formatter: 'brief' } },
    loggers: { 'app.db': { level: 'INFO', handlers: ['f'], propagate: false } },
  });
  const logger = getLogger('app.db');
  logger.debug('hidden');
  logger.info('query %d rows', 3);
  await shutdown();
  t.is(readFileSync(file, 'utf8'), 'INFO|app.db|query 3 rows\n');
});

test.serial('"()" factories make handlers, formatters and filters, with "." setting attributes', (t) => {
  const mem = [];
  dictConfig({
    version: 1,
    formatters: { f: { '()': ({ fmt }) => new Formatter(fmt), fmt: '<%(message)s>' } },
    filters: {
      only: {
        '()':
          ({ word }) =>
          (r) =>
            String(r.msg).includes(word),
        word: 'yes',
      },
    },
    handlers: {
      m: {
        '()': () => {
          const h = new MemoryHandler();
          mem.push(h);
          return h;
        },
        formatter: 'f',
        filters: ['only'],
        '.': { tag: 'set' },
      },
    },
    root: { handlers: ['m'], level: 'INFO' },
  });
  getLogger('fac').info('yes please');
  getLogger('fac').info('no thanks');
  t.deepEqual(mem[0].lines, ['<yes please>']);
  t.is(mem[0].tag, 'set');
  t.is(mem[0].name, 'm');
});

test.serial('an unknown handler class is a ValueError naming the handler and the class', (t) => {
  const err = t.throws(
    () => dictConfig({ version: 1, handlers: { bad: { class: 'logging.handlers.NoSuchHandler' } } }),
    { instanceOf: logging.ValueError },
  );
  t.true(
    err.message.startsWith("Unable to configure handler 'bad': Cannot resolve 'logging.handlers.NoSuchHandler'"),
    err.message,
  );
});

test.serial('an unknown formatter reference is a ValueError naming it', (t) => {
  t.throws(() => dictConfig({ version: 1, handlers: { h: { class: 'logging.StreamHandler', formatter: 'nope' } } }), {
    instanceOf: logging.ValueError,
    message: "Unable to configure handler 'h': Unable to set formatter 'nope'",
  });
});

test.serial("a bad handler option is reported with the handler's name", (t) => {
  const err = t.throws(() =>
    dictConfig({
      version: 1,
      handlers: {
        rot: { class: 'logging.handlers.TimedRotatingFileHandler', filename: join(tmp(), 'x.log'), when: 'fortnight' },
      },
    }),
  );
  t.regex(err.message, /^Unable to configure handler 'rot': .*fortnight/i);
});

test.serial("a missing or unsupported version is rejected with Python's messages", (t) => {
  t.throws(() => dictConfig({}), { message: "dictionary doesn't specify a version" });
  t.throws(() => dictConfig({ version: 2 }), { message: 'Unsupported version: 2' });
});

test.serial('an unknown level in a logger is a ValueError naming the logger and the level', (t) => {
  t.throws(() => dictConfig({ version: 1, loggers: { x: { level: 'LOUD' } } }), {
    message: "Unable to configure logger 'x': Unknown level: 'LOUD'",
  });
});

test.serial(
  'disable_existing_loggers disables loggers not in the configuration, except children of configured ones',
  (t) => {
    const before = getLogger('old.thing');
    const child = getLogger('kept.child');
    child.setLevel('ERROR');
    dictConfig({ version: 1, loggers: { kept: { level: 'INFO' } } });
    t.true(before.disabled);
    t.false(child.disabled);
    t.is(child.level, logging.NOTSET, 'children of configured loggers are reset to NOTSET');
    t.false(getLogger('kept').disabled);
    dictConfig({ version: 1, disable_existing_loggers: false });
    t.false(before.disabled);
  },
);

test.serial('incremental configuration changes levels only', (t) => {
  const h = new MemoryHandler();
  dictConfig({ version: 1, handlers: { m: { '()': () => h } }, root: { handlers: ['m'], level: 'WARNING' } });
  dictConfig({
    version: 1,
    incremental: true,
    handlers: { m: { level: 'ERROR' } },
    root: { level: 'DEBUG', handlers: [] },
  });
  t.is(h.level, logging.ERROR);
  t.is(getLogger().level, logging.DEBUG);
  t.deepEqual(getLogger().handlers, [h]);
  t.throws(() => dictConfig({ version: 1, incremental: true, handlers: { zz: { level: 'INFO' } } }), {
    message: "No handler found with name 'zz'",
  });
});

test.serial('a new configuration closes the handlers of the previous one', async (t) => {
  const dir = tmp();
  const file = join(dir, 'first.log');
  dictConfig({
    version: 1,
    handlers: { f: { class: 'logging.FileHandler', filename: file } },
    root: { handlers: ['f'], level: 'INFO' },
  });
  const first = getLogger().handlers[0];
  let closed = false;
  const close = first.close.bind(first);
  first.close = () => ((closed = true), close());
  dictConfig({ version: 1, root: { handlers: [] } });
  await shutdown();
  t.true(closed);
  t.deepEqual(getLogger().handlers, []);
});

test.serial("basicConfig adds one stream handler with Python's BASIC_FORMAT, once; force replaces it", (t) => {
  dictConfig({ version: 1, root: { handlers: [] } });
  const out = [];
  basicConfig({ stream: { write: (s) => out.push(s) }, level: 'INFO' });
  basicConfig({ stream: { write: () => t.fail() } });
  getLogger('basic').info('hello %s', 'world');
  t.deepEqual(out, ['INFO:basic:hello world\n']);
  const out2 = [];
  basicConfig({ stream: { write: (s) => out2.push(s) }, format: '%(name)s> %(message)s', force: true });
  getLogger('basic').warning('again');
  t.deepEqual(out2, ['basic> again\n']);
  t.throws(() => basicConfig({ force: true, nonsense: 1 }), { message: 'Unrecognised argument(s): nonsense' });
});
