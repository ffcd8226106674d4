/** Python's `logging.config.dictConfig`, `logging.basicConfig` and `logging.shutdown`. */
import { ConcurrentRotatingFileHandler, ConcurrentTimedRotatingFileHandler, LogFileHandler } from './file-handler.js';
import { Handler } from './handler.js';
import { Filter, type FilterLike } from './filter.js';
import { Formatter, type FormatStyle } from './formatter.js';
import { ValueError, checkLevel, pyRepr } from './levels.js';
import { Logger, PlaceHolder, getLogger, root } from './logger.js';
import { FileHandler, NullHandler, StreamHandler, type WritableLike } from './streams.js';
import { sharedState } from './state.js';
import { allHandlers, bumpConfigGeneration, closeInBackground, pendingCloses, registerHandler } from './registry.js';

type Dict = Record<string, unknown>;
type Ctor = new (...args: never[]) => unknown;

/** Our handlers under every name a Python configuration may give them. */
const CORE_NAMES = new Map<string, () => Ctor>();
for (const [klass, python, ours] of [
  [ConcurrentTimedRotatingFileHandler, 'TimedRotatingFileHandler', 'ConcurrentTimedRotatingFileHandler'],
  [ConcurrentRotatingFileHandler, 'RotatingFileHandler', 'ConcurrentRotatingFileHandler'],
] as const) {
  for (const name of [
    `logging.handlers.${ours}`,
    `logging.handlers.${python}`,
    `concurrent_log.${ours}`,
    `concurrent_log.handlers.${ours}`,
    `concurrent-log.${ours}`,
    ours,
  ]) {
    CORE_NAMES.set(name, () => klass as unknown as Ctor);
  }
}

const KNOWN: Record<string, () => unknown> = {
  'logging.StreamHandler': () => StreamHandler,
  'logging.FileHandler': () => FileHandler,
  'logging.NullHandler': () => NullHandler,
  'logging.Formatter': () => Formatter,
  'logging.Filter': () => Filter,
  'sys.stdout': () => process.stdout,
  'sys.stderr': () => process.stderr,
};

const { userNames, namedHandlers } = sharedState('config', () => ({
  userNames: new Map<string, unknown>(),
  namedHandlers: new Map<string, Handler>(),
}));

/**
 * Makes `name` resolvable in `class`, `()` and `ext://` values of `dictConfig`
 * (Python resolves any importable dotted name; JavaScript needs them registered).
 */
export function registerConfigName(name: string, value: unknown): void {
  userNames.set(name, value);
}

/** Python's `BaseConfigurator.resolve(s)`: a dotted name to the object it names. */
function resolveName(s: string): unknown {
  if (userNames.has(s)) return userNames.get(s);
  const core = CORE_NAMES.get(s);
  if (core) return core();
  const known = KNOWN[s];
  if (known) return known();
  throw new ValueError(
    `Cannot resolve ${pyRepr(s)}: not a known name (known: ${[...CORE_NAMES.keys(), ...Object.keys(KNOWN), ...userNames.keys()].join(', ')}; add yours with registerConfigName)`,
  );
}

/** Handlers configured by name (Python's `logging._handlers`). */

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isClass(f: unknown): boolean {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

function extendsOrIs(klass: unknown, base: unknown): boolean {
  return (
    typeof klass === 'function' && typeof base === 'function' && (klass === base || klass.prototype instanceof base)
  );
}

class Configurator {
  readonly config: Dict;
  constructor(config: Dict) {
    this.config = config;
  }

  /** Python's `convert(value)`: `ext://name` and `cfg://path` strings, recursively. */
  convert(value: unknown): unknown {
    if (typeof value === 'string') {
      if (value.startsWith('ext://')) return resolveName(value.slice(6));
      if (value.startsWith('cfg://')) return this.cfgConvert(value.slice(6));
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => this.convert(v));
    if (isDict(value) && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Dict = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.convert(v);
      return out;
    }
    return value;
  }

  private cfgConvert(path: string): unknown {
    const m = /^([^.[\]]+)((?:\.[^.[\]]+|\[[^\]]+\])*)$/.exec(path);
    if (!m) throw new ValueError(`Unable to convert ${pyRepr('cfg://' + path)}`);
    let d: unknown = this.config[m[1]];
    for (const part of m[2].match(/\.[^.[\]]+|\[[^\]]+\]/g) ?? []) {
      const key = part.startsWith('.') ? part.slice(1) : part.slice(1, -1);
      const idx = /^\d+$/.test(key) ? Number(key) : key;
      d = (d as Dict | unknown[] | undefined)?.[idx as never];
      if (d === undefined)
        throw new ValueError(`Unable to convert ${pyRepr('cfg://' + path)}: ${pyRepr(key)} not found`);
    }
    return this.convert(d);
  }

  /** Calls a `()` factory (a function, a class, or a registered dotted name) with the config's other keys. */
  callFactory(c: unknown, config: Dict): unknown {
    const factory = typeof c === 'string' ? resolveName(c) : c;
    if (typeof factory !== 'function')
      throw new TypeError(`'()' must be a function, a class or a registered name, got ${pyRepr(c)}`);
    const props = config['.'];
    const kwargs: Dict = {};
    for (const [k, v] of Object.entries(config)) if (k !== '()' && k !== '.') kwargs[k] = this.convert(v);
    const result = isClass(factory)
      ? new (factory as new (kw: Dict) => unknown)(kwargs)
      : (factory as (kw: Dict) => unknown)(kwargs);
    if (isDict(props) && result && typeof result === 'object') Object.assign(result, this.convert(props));
    return result;
  }

  configureFormatter(config: Dict): unknown {
    if ('()' in config) return this.callFactory(config['()'], config);
    const fmt = (config.format ?? null) as string | null;
    const datefmt = (config.datefmt ?? null) as string | null;
    const style = (config.style ?? '%') as FormatStyle;
    const cname = config.class;
    const validate = (config.validate ?? true) as boolean;
    const defaults = (config.defaults ?? null) as Dict | null;
    const klass = cname === undefined ? Formatter : typeof cname === 'string' ? resolveName(cname) : cname;
    if (typeof klass !== 'function') throw new TypeError(`formatter class must be a class, got ${pyRepr(cname)}`);
    return new (klass as typeof Formatter)(fmt, datefmt, style, validate, { defaults });
  }

  configureFilter(config: Dict): unknown {
    if ('()' in config) return this.callFactory(config['()'], config);
    return new Filter((config.name ?? '') as string);
  }

  addFilters(target: { addFilter(f: FilterLike): void }, names: unknown, what: string): void {
    if (!Array.isArray(names))
      throw new ValueError(`${what}: 'filters' must be a list of filter names, got ${pyRepr(names)}`);
    const filters = this.config.filters as Dict;
    for (const f of names) {
      const filter = typeof f === 'string' ? filters?.[f] : f;
      if (!filter) throw new ValueError(`Unable to add filter ${pyRepr(f)}`);
      target.addFilter(filter as FilterLike);
    }
  }

  configureHandler(config: Dict, name: string): Handler {
    const formatters = this.config.formatters as Dict | undefined;
    const fname = config.formatter;
    let formatter: unknown;
    if (fname !== undefined && fname !== null) {
      formatter = formatters?.[fname as string];
      if (!formatter) throw new ValueError(`Unable to set formatter ${pyRepr(fname)}`);
    }
    const level = config.level;
    let result: unknown;
    if ('()' in config) {
      const rest: Dict = { ...config };
      for (const k of ['formatter', 'level', 'filters']) delete rest[k];
      result = this.callFactory(config['()'], rest);
    } else {
      if (!('class' in config)) throw new ValueError(`handler ${pyRepr(name)} has no 'class' (and no '()' factory)`);
      const cname = config.class;
      const klass = typeof cname === 'string' ? resolveName(cname) : cname;
      if (typeof klass !== 'function')
        throw new TypeError(`class must be a class or a dotted name, got ${pyRepr(cname)}`);
      const kwargs: Dict = {};
      for (const [k, v] of Object.entries(config)) {
        if (!['class', 'formatter', 'level', 'filters', '.'].includes(k)) kwargs[k] = this.convert(v);
      }
      const props = isDict(config['.']) ? { ...(this.convert(config['.']) as Dict) } : null;
      // CPython's cookbook sets namer and rotator as '.' properties; ours run in the flusher thread,
      // which has them from the constructor, so they are passed to it.
      if (props && extendsOrIs(klass as Ctor, LogFileHandler)) {
        for (const k of ['namer', 'rotator']) {
          if (k in props) kwargs[k] = props[k];
          delete props[k];
        }
      }
      result = construct(klass as Ctor, kwargs);
      if (props) Object.assign(result as object, props);
    }
    if (!(result instanceof Handler))
      throw new TypeError(`handler ${pyRepr(name)} is not a Handler (got ${pyRepr(result)})`);
    if (formatter) result.setFormatter(formatter as Formatter);
    if (level !== undefined && level !== null) result.setLevel(checkLevel(level));
    if (config.filters) this.addFilters(result, config.filters, `handler ${pyRepr(name)}`);
    return result;
  }

  commonLoggerConfig(logger: Logger, config: Dict, incremental: boolean): void {
    const level = config.level;
    if (level !== undefined && level !== null) logger.setLevel(checkLevel(level));
    if (!incremental) {
      for (const h of [...logger.handlers]) logger.removeHandler(h);
      const handlers = config.handlers;
      if (handlers) {
        if (!Array.isArray(handlers))
          throw new ValueError(`'handlers' must be a list of handler names, got ${pyRepr(handlers)}`);
        const all = this.config.handlers as Dict | undefined;
        for (const h of handlers) {
          const handler = typeof h === 'string' ? all?.[h] : h;
          if (!(handler instanceof Handler)) throw new ValueError(`Unable to add handler ${pyRepr(h)}`);
          logger.addHandler(handler);
        }
      }
      if (config.filters) this.addFilters(logger, config.filters, `logger ${pyRepr(logger.name)}`);
    }
  }

  configureLogger(name: string, config: Dict, incremental = false): void {
    const logger = getLogger(name);
    this.commonLoggerConfig(logger, config, incremental);
    logger.disabled = false;
    const propagate = config.propagate;
    if (propagate !== undefined && propagate !== null) logger.propagate = !!propagate;
  }
}

/** Python's kwargs call `klass(**kwargs)`, mapped onto each class's JavaScript constructor. */
function construct(klass: Ctor, kwargs: Dict): unknown {
  const K = klass as new (...args: unknown[]) => unknown;
  if (extendsOrIs(klass, LogFileHandler)) {
    const { filename, errors: _errors, ...opts } = kwargs;
    if (filename === undefined) throw new TypeError("__init__() missing 1 required positional argument: 'filename'");
    // Python's rotating handlers always append; our `mode` is permission bits.
    if (typeof opts.mode === 'string') {
      if (opts.mode !== 'a') throw new ValueError(`mode must be 'a' for a rotating handler, got ${pyRepr(opts.mode)}`);
      delete opts.mode;
    }
    for (const k of Object.keys(opts)) if (opts[k] === null && k !== 'atTime' && k !== 'encoding') delete opts[k];
    return new K(filename, opts);
  }
  if (extendsOrIs(klass, FileHandler)) {
    const { filename, mode, encoding, delay, errors } = kwargs;
    checkKwargs(kwargs, ['filename', 'mode', 'encoding', 'delay', 'errors']);
    if (filename === undefined) throw new TypeError("__init__() missing 1 required positional argument: 'filename'");
    return new K(filename, { mode, encoding, delay, errors });
  }
  if (extendsOrIs(klass, StreamHandler)) {
    checkKwargs(kwargs, ['stream', 'strm']);
    return new K((kwargs.stream ?? kwargs.strm) as WritableLike | undefined);
  }
  if (extendsOrIs(klass, NullHandler)) {
    checkKwargs(kwargs, []);
    return new K();
  }
  return isClass(klass) ? new K(kwargs) : (klass as unknown as (kw: Dict) => unknown)(kwargs);
}

function checkKwargs(kwargs: Dict, allowed: string[]): void {
  for (const k of Object.keys(kwargs)) {
    if (!allowed.includes(k)) throw new TypeError(`__init__() got an unexpected keyword argument ${pyRepr(k)}`);
  }
}

function wrap(message: string, err: unknown): ValueError {
  return new ValueError(`${message}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * Python's `logging.config.dictConfig(config)`: the same dictionary (version 1, formatters,
 * filters, handlers, loggers, root, incremental, disable_existing_loggers). Handler classes
 * are named as in Python; `logging.handlers.TimedRotatingFileHandler`,
 * `logging.handlers.ConcurrentTimedRotatingFileHandler` and
 * `concurrent_log.ConcurrentTimedRotatingFileHandler` all mean `ConcurrentTimedRotatingFileHandler`;
 * `logging.handlers.RotatingFileHandler` and `concurrent_log.ConcurrentRotatingFileHandler` mean
 * `ConcurrentRotatingFileHandler`.
 * Handlers replaced by a non-incremental configuration are flushed and closed in the background
 * (`shutdown()` waits for them).
 */
export function dictConfig(config: Dict): void {
  if (!isDict(config)) throw new TypeError(`dictConfig expects a dictionary, got ${pyRepr(config)}`);
  if (!('version' in config)) throw new ValueError("dictionary doesn't specify a version");
  if (config.version !== 1) throw new ValueError(`Unsupported version: ${String(config.version)}`);
  // Work on a copy: formatters, filters and handlers are replaced by the objects built from them.
  const cfg: Dict = { ...config };
  for (const k of ['formatters', 'filters', 'handlers', 'loggers']) {
    const v = cfg[k];
    if (v !== undefined && v !== null && !isDict(v))
      throw new ValueError(`${pyRepr(k)} must be a dictionary, got ${pyRepr(v)}`);
    cfg[k] = { ...((v as Dict | undefined) ?? {}) };
  }
  const c = new Configurator(cfg);
  try {
    if (cfg.incremental) {
      configureIncrementally(c, cfg);
      return;
    }
    // Python's DictConfigurator.configure(), in its order.
    clearExistingHandlers();
    configureEach(cfg.formatters as Dict, 'formatter', (d) => c.configureFormatter(d));
    configureEach(cfg.filters as Dict, 'filter', (d) => c.configureFilter(d));
    configureHandlers(c, cfg.handlers as Dict);
    configureLoggers(c, cfg.loggers as Dict, Boolean(cfg.disable_existing_loggers ?? true));
    if (cfg.root) configuring('root logger', () => c.commonLoggerConfig(root, asDict(cfg.root), false));
  } finally {
    bumpConfigGeneration();
  }
}

/** Runs `fn`, wrapping its error as Python does: "Unable to configure <what>". */
function configuring<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw wrap(`Unable to configure ${what}`, e);
  }
}

function asDict(v: unknown): Dict {
  if (!isDict(v)) throw new TypeError(`expected a dictionary, got ${pyRepr(v)}`);
  return v;
}

/** Replaces each entry of a section (formatters, filters) by the object built from it. */
function configureEach(section: Dict, kind: string, build: (d: Dict) => unknown): void {
  for (const name of Object.keys(section)) {
    section[name] = configuring(`${kind} ${pyRepr(name)}`, () => build(asDict(section[name])));
  }
}

/** Handlers, in sorted order as in Python; one that fails closes those made before it. */
function configureHandlers(c: Configurator, handlers: Dict): void {
  const made: Handler[] = [];
  try {
    for (const name of Object.keys(handlers).sort()) {
      const h = configuring(`handler ${pyRepr(name)}`, () => c.configureHandler(asDict(handlers[name]), name));
      h.name = name;
      registerHandler(h);
      handlers[name] = h;
      namedHandlers.set(name, h);
      made.push(h);
    }
  } catch (e) {
    // Do not leak the handlers (and their files) made before the failing one.
    for (const h of made) closeInBackground(h);
    throw e;
  }
}

/**
 * The configured loggers; then, as Python does, existing loggers not named are disabled (with
 * disable_existing_loggers), except children of a configured one, which are reset to propagate.
 */
function configureLoggers(c: Configurator, loggers: Dict, disableExisting: boolean): void {
  const manager = root.manager;
  const existing = [...manager.loggerDict.keys()].sort();
  const childLoggers = new Set<string>();
  for (const name of Object.keys(loggers)) {
    const i = existing.indexOf(name);
    if (i >= 0) {
      const prefixed = name + '.';
      for (let j = i + 1; j < existing.length; j++) if (existing[j].startsWith(prefixed)) childLoggers.add(existing[j]);
      existing.splice(i, 1);
    }
    configuring(`logger ${pyRepr(name)}`, () => c.configureLogger(name, asDict(loggers[name])));
  }
  for (const name of existing) {
    const logger = manager.loggerDict.get(name);
    if (!logger || logger instanceof PlaceHolder) continue;
    if (childLoggers.has(name)) {
      logger.setLevel(0);
      logger.handlers = [];
      logger.propagate = true;
    } else {
      logger.disabled = disableExisting;
    }
  }
}

/** `incremental: true`: only levels of named handlers, and loggers' own settings, change. */
function configureIncrementally(c: Configurator, cfg: Dict): void {
  for (const [name, hc] of Object.entries(cfg.handlers as Dict)) {
    const h = namedHandlers.get(name);
    if (!h) throw new ValueError(`No handler found with name ${pyRepr(name)}`);
    const level = (hc as Dict)?.level;
    if (level) h.setLevel(checkLevel(level));
  }
  for (const [name, lc] of Object.entries(cfg.loggers as Dict)) {
    configuring(`logger ${pyRepr(name)}`, () => c.configureLogger(name, lc as Dict, true));
  }
  if (cfg.root) configuring('root logger', () => c.commonLoggerConfig(root, cfg.root as Dict, true));
}

/** Python's `_clearExistingHandlers()`: forget named handlers; flush and close every handler made so far. */
function clearExistingHandlers(): void {
  namedHandlers.clear();
  for (const h of [...allHandlers].reverse()) closeInBackground(h);
}

export interface BasicConfigOptions {
  filename?: string;
  filemode?: string;
  format?: string;
  datefmt?: string;
  style?: FormatStyle;
  level?: number | string;
  stream?: WritableLike;
  handlers?: Handler[];
  force?: boolean;
  encoding?: string;
  errors?: string;
}

const BASIC_FORMATS: Record<FormatStyle, string> = {
  '%': '%(levelname)s:%(name)s:%(message)s',
  '{': '{levelname}:{name}:{message}',
  $: '${levelname}:${name}:${message}',
};

/** Python's `logging.basicConfig(**kwargs)`: a handler on the root logger, unless it has one already (or `force`). */
export function basicConfig(options: BasicConfigOptions = {}): void {
  const kw: Dict = { ...options };
  const take = (k: string): unknown => {
    const v = kw[k];
    delete kw[k];
    return v;
  };
  const force = take('force');
  const encoding = take('encoding') as string | undefined;
  take('errors');
  if (force) {
    for (const h of [...root.handlers]) {
      root.removeHandler(h);
      closeInBackground(h);
    }
  }
  if (root.handlers.length !== 0) return;
  let handlers = take('handlers') as Handler[] | undefined;
  if (handlers === undefined || handlers === null) {
    if ('stream' in kw && 'filename' in kw)
      throw new ValueError("'stream' and 'filename' should not be specified together");
    const filename = take('filename') as string | undefined;
    const mode = (take('filemode') as string | undefined) ?? 'a';
    const stream = take('stream') as WritableLike | undefined;
    handlers = [filename ? new FileHandler(filename, { mode, encoding }) : new StreamHandler(stream)];
  } else if ('stream' in kw || 'filename' in kw) {
    throw new ValueError("'stream' or 'filename' should not be specified together with 'handlers'");
  }
  const datefmt = take('datefmt') as string | undefined;
  const style = ((take('style') as FormatStyle | undefined) ?? '%') as FormatStyle;
  if (!(style in BASIC_FORMATS)) throw new ValueError('Style must be one of: %,{,$');
  const fs = (take('format') as string | undefined) ?? BASIC_FORMATS[style];
  const fmt = new Formatter(fs, datefmt, style);
  for (const h of handlers) {
    if (h.formatter === null) h.setFormatter(fmt);
    root.addHandler(h);
  }
  const level = take('level');
  if (level !== undefined && level !== null) root.setLevel(level as number | string);
  const left = Object.keys(kw);
  if (left.length) throw new ValueError(`Unrecognised argument(s): ${left.join(', ')}`);
}

/**
 * Python's `logging.shutdown()`: flushes and closes every handler ever made (newest first),
 * after the closes a configuration change started. Errors are reported as warnings.
 */
export async function shutdown(): Promise<void> {
  const list = [...allHandlers].reverse();
  allHandlers.clear();
  for (const h of list) {
    try {
      await h.flush();
    } catch (err) {
      process.emitWarning(err as Error);
    }
    try {
      await h.close();
    } catch (err) {
      process.emitWarning(err as Error);
    }
  }
  while (pendingCloses.size > 0) await Promise.all([...pendingCloses]);
}
