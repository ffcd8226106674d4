/** Python's `logging.Logger`, the dotted hierarchy (`Manager`, placeholders) and `getLogger`. */
import { fileURLToPath } from 'node:url';
import { CRITICAL, DEBUG, ERROR, INFO, NOTSET, WARNING, checkLevel, levelName } from './levels.js';
import { Filterer, applyFilters } from './filter.js';
import { PyLogRecord, UNKNOWN_CALLER, callerInfo, type CallerInfo, type LogRecord } from './record.js';
import { positionalCount } from './percent.js';
import { Handler } from './handler.js';
import { Formatter } from './formatter.js';
import { bumpConfigGeneration, configGeneration, registerHandler } from './registry.js';
import { peekState, sharedState } from './state.js';

/** Bumped whenever a level (or `disable()`) changes: loggers drop their `isEnabledFor` caches. */
const levels = sharedState('levelGeneration', () => ({ generation: 1 }));

type LogFn = (...args: never[]) => unknown;

/** Hoisted so that no closure is made per record: V8 then hands us the structured call sites. */
const structuredSites = (_e: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

/**
 * Resolved callers, per script file and per call-site position in it (the character offset of the
 * call expression, which identifies one call site exactly). The stack capture itself cannot be
 * avoided (nothing else tells which call site is running), but everything after it can: a hit
 * costs two map lookups instead of a URL-to-path conversion, a function-name lookup and the
 * basename/module derivation of every record.
 */
const callerCache = new Map<string, Map<number, CallerInfo>>();
let cachedCallers = 0;
/** Call sites are finite in ordinary code; code generated at run time (eval, vm) could grow it without end. */
const MAX_CACHED_CALLERS = 50_000;

function resolveCaller(site: NodeJS.CallSite): CallerInfo {
  const script = site.getFileName() ?? site.getScriptNameOrSourceURL?.() ?? null;
  if (!script) return UNKNOWN_CALLER;
  let perFile = callerCache.get(script);
  if (!perFile) callerCache.set(script, (perFile = new Map()));
  const pos = site.getPosition();
  let caller = perFile.get(pos);
  if (!caller) {
    let file = script;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        // keep the URL
      }
    }
    caller = callerInfo(file, site.getLineNumber() ?? 0, site.getFunctionName() ?? '<module>');
    if (++cachedCallers > MAX_CACHED_CALLERS) {
      callerCache.clear();
      callerCache.set(script, perFile);
      perFile.clear();
      cachedCallers = 1;
    }
    perFile.set(pos, caller);
  }
  return caller;
}

/**
 * The caller of `fn` (the outermost logging-layer function on the stack): `stacklevel` 1 is
 * its direct caller. Uses a V8 stack trace of exactly `stacklevel` frames, as CallSites: the
 * cheapest exact way (a one-frame capture is ~1.5-2 us in Node 20, most of it V8 summarizing
 * optimized frames; formatting it as a string costs ~1 us more).
 */
function findCaller(fn: LogFn, stacklevel = 1): CallerInfo {
  const prevLimit = Error.stackTraceLimit;
  const prevPrepare = Error.prepareStackTrace;
  let sites: NodeJS.CallSite[] | undefined;
  try {
    Error.stackTraceLimit = stacklevel;
    Error.prepareStackTrace = structuredSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, fn);
    sites = holder.stack as NodeJS.CallSite[] | undefined;
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
  const site = sites && sites.length > 0 ? sites[sites.length - 1] : undefined;
  return site ? resolveCaller(site) : UNKNOWN_CALLER;
}

/** Python's `logging.PlaceHolder`: stands for a logger not yet created, remembering its created children. */
export class PlaceHolder {
  readonly loggerMap = new Set<Logger>();
  constructor(alogger: Logger) {
    this.loggerMap.add(alogger);
  }
  append(alogger: Logger): void {
    this.loggerMap.add(alogger);
  }
}

/** Python's `logging.Manager`: the registry of loggers by dotted name. */
export class Manager {
  readonly root: Logger;
  readonly loggerDict = new Map<string, Logger | PlaceHolder>();
  private disable_ = 0;
  loggerClass: (new (name: string, level?: number | string) => Logger) | null = null;

  constructor(root: Logger) {
    this.root = root;
  }

  get disable(): number {
    return this.disable_;
  }

  set disable(level: number) {
    this.disable_ = level;
    levels.generation++;
  }

  getLogger(name: string): Logger {
    if (typeof name !== 'string') throw new TypeError('A logger name must be a string');
    const existing = this.loggerDict.get(name);
    if (existing instanceof Logger) return existing;
    const Ctor = this.loggerClass ?? Logger;
    const rv = new Ctor(name);
    rv.manager = this;
    this.loggerDict.set(name, rv);
    if (existing instanceof PlaceHolder) this.fixupChildren(existing, rv);
    this.fixupParents(rv);
    bumpConfigGeneration();
    levels.generation++;
    return rv;
  }

  private fixupParents(alogger: Logger): void {
    const name = alogger.name;
    let i = name.lastIndexOf('.');
    let rv: Logger | null = null;
    while (i > 0 && !rv) {
      const substr = name.slice(0, i);
      const obj = this.loggerDict.get(substr);
      if (!obj) this.loggerDict.set(substr, new PlaceHolder(alogger));
      else if (obj instanceof Logger) rv = obj;
      else obj.append(alogger);
      i = name.lastIndexOf('.', i - 1);
    }
    alogger.parent = rv ?? this.root;
  }

  private fixupChildren(ph: PlaceHolder, alogger: Logger): void {
    const name = alogger.name;
    for (const c of ph.loggerMap) {
      if (c.parent && !c.parent.name.startsWith(name)) {
        alogger.parent = c.parent;
        c.parent = alogger;
      }
    }
  }
}

/** Python's `logging.Logger`. */
export class Logger extends Filterer(Object) {
  readonly name: string;
  level: number;
  parent: Logger | null = null;
  /** Python's `logger.disabled`. */
  disabled = false;
  /** The registry this logger belongs to (Python's `Logger.manager`). */
  manager: Manager;
  private handlers_: Handler[] = [];
  private propagate_ = true;
  private enabledCache: Record<number, boolean> = {};
  private enabledGen = 0;
  private callerGen = 0;
  private callerNeed = false;

  constructor(name: string, level: number | string = NOTSET) {
    super();
    this.name = name;
    this.level = checkLevel(level);
    // Unset only while the root logger itself is made; `new Logger(name)` gets the global manager.
    // Undefined only for the root logger itself, whose manager is set right after it is made.
    this.manager = peekState<{ manager: Manager }>('loggers')?.manager as Manager;
  }

  /** The handlers attached to this logger. Change them with `addHandler`/`removeHandler` (or assign a new array). */
  get handlers(): Handler[] {
    return this.handlers_;
  }
  set handlers(hs: Handler[]) {
    this.handlers_ = hs;
    bumpConfigGeneration();
  }

  get propagate(): boolean {
    return this.propagate_;
  }
  set propagate(v: boolean) {
    this.propagate_ = !!v;
    bumpConfigGeneration();
  }

  get root(): Logger {
    return this.manager.root;
  }

  setLevel(level: number | string): void {
    this.level = checkLevel(level);
    levels.generation++;
  }

  /** The first level set on this logger or an ancestor (Python's `getEffectiveLevel()`). */
  getEffectiveLevel(): number {
    let logger: Logger | null = this;
    while (logger) {
      if (logger.level) return logger.level;
      logger = logger.parent;
    }
    return NOTSET;
  }

  isEnabledFor(level: number): boolean {
    if (this.disabled) return false;
    if (this.enabledGen !== levels.generation) {
      this.enabledCache = {};
      this.enabledGen = levels.generation;
    }
    const cached = this.enabledCache[level];
    if (cached !== undefined) return cached;
    const enabled = this.manager.disable >= level ? false : level >= this.getEffectiveLevel();
    this.enabledCache[level] = enabled;
    return enabled;
  }

  addHandler(h: Handler): void {
    if (!this.handlers_.includes(h)) {
      this.handlers_.push(h);
      registerHandler(h);
      bumpConfigGeneration();
    }
  }

  removeHandler(h: Handler): void {
    const i = this.handlers_.indexOf(h);
    if (i >= 0) {
      this.handlers_.splice(i, 1);
      bumpConfigGeneration();
    }
  }

  /** Whether this logger or an ancestor reached by propagation has handlers. */
  hasHandlers(): boolean {
    let c: Logger | null = this;
    while (c) {
      if (c.handlers_.length > 0) return true;
      if (!c.propagate_) return false;
      c = c.parent;
    }
    return false;
  }

  /** Python's `getChild(suffix)`: `getLogger(this.name + '.' + suffix)` (just `suffix` for the root). */
  getChild(suffix: string): Logger {
    return this.manager.getLogger(this === this.manager.root ? suffix : `${this.name}.${suffix}`);
  }

  /** Python's `getChildren()`: the loggers immediately below this one. */
  getChildren(): Set<Logger> {
    const out = new Set<Logger>();
    for (const item of this.manager.loggerDict.values()) {
      if (item instanceof Logger && item.parent === this) out.add(item);
    }
    return out;
  }

  debug(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(DEBUG)) this._log(DEBUG, msg, args, undefined, this.debug);
  }

  info(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(INFO)) this._log(INFO, msg, args, undefined, this.info);
  }

  warning(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this._log(WARNING, msg, args, undefined, this.warning);
  }

  /** Python's deprecated alias of `warning`. */
  warn(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this._log(WARNING, msg, args, undefined, this.warn);
  }

  error(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) this._log(ERROR, msg, args, undefined, this.error);
  }

  /**
   * Python's `exception(msg, *args)`: an ERROR record with the error's stack after the message.
   * The error is `msg` itself (`logger.exception(err)`) or a trailing argument that the
   * message's `%` placeholders do not consume (`logger.exception('x failed: %s', id, err)`).
   */
  exception(msg: unknown, ...args: unknown[]): void {
    if (!this.isEnabledFor(ERROR)) return;
    const excInfo = msg instanceof Error && args.length === 0 ? msg : undefined;
    this._log(ERROR, msg, args, excInfo, this.exception);
  }

  critical(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this._log(CRITICAL, msg, args, undefined, this.critical);
  }

  fatal(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this._log(CRITICAL, msg, args, undefined, this.fatal);
  }

  log(level: number, msg: unknown, ...args: unknown[]): void {
    if (typeof level !== 'number' || !Number.isInteger(level)) throw new TypeError('level must be an integer');
    if (this.isEnabledFor(level)) this._log(level, msg, args, undefined, this.log);
  }

  /** Whether any formatter this logger's records reach needs the caller's file/line/function. Cached per configuration. */
  needsCaller(): boolean {
    const gen = configGeneration();
    if (this.callerGen === gen) return this.callerNeed;
    let need = false;
    let c: Logger | null = this;
    outer: while (c) {
      for (const h of c.handlers_) {
        if (h.usesCaller()) {
          need = true;
          break outer;
        }
      }
      c = c.propagate_ ? c.parent : null;
    }
    this.callerGen = gen;
    this.callerNeed = need;
    return need;
  }

  /**
   * Makes a record and handles it. `fn` is the public function the user called, so the
   * caller's frame is the one just above it; a trailing `Error` argument that the message's
   * placeholders do not consume becomes the record's exception info.
   */
  protected _log(level: number, msg: unknown, args: unknown[], excInfo: unknown, fn: LogFn, stacklevel = 1): void {
    if (excInfo === undefined && args.length > 0) {
      const last = args[args.length - 1];
      if (last instanceof Error && typeof msg === 'string' && positionalCount(msg) < args.length) {
        excInfo = last;
        args = args.slice(0, -1);
      }
    }
    const caller = this.needsCaller() ? findCaller(fn, stacklevel) : UNKNOWN_CALLER;
    const record = this.makeRecord(this.name, level, caller, msg, args, excInfo ?? null);
    this.handle(record);
  }

  /** Python's `makeRecord`: override to make records of your own class. */
  makeRecord(
    name: string,
    level: number,
    caller: CallerInfo,
    msg: unknown,
    args: unknown[],
    excInfo: unknown,
    extra?: Record<string, unknown>,
  ): LogRecord {
    const r = new PyLogRecord(name, level, caller, msg, args, excInfo);
    if (extra) {
      for (const key of Object.keys(extra)) {
        if (key === 'message' || key === 'asctime' || key in r)
          throw new Error(`Attempt to overwrite ${JSON.stringify(key)} in LogRecord`);
        r[key] = extra[key];
      }
    }
    return r;
  }

  /** Python's `handle(record)`: unless disabled, apply this logger's filters, then call the handlers. */
  handle(record: LogRecord): void {
    if (this.disabled) return;
    if (this.filters.length > 0) {
      const r = applyFilters(this.filters, record);
      if (r === false) return;
      record = r;
    }
    this.callHandlers(record);
  }

  /** Python's `callHandlers`: every handler up the hierarchy until `propagate` is false; the last-resort handler if none. */
  callHandlers(record: LogRecord): void {
    let c: Logger | null = this;
    let found = 0;
    while (c) {
      const hs = c.handlers_;
      for (let i = 0; i < hs.length; i++) {
        found++;
        const h = hs[i];
        if (record.levelno >= h.level) h.handle(record);
      }
      c = c.propagate_ ? c.parent : null;
    }
    if (found === 0 && lastResort && record.levelno >= lastResort.level) lastResort.handle(record);
  }

  override toString(): string {
    return `<${this.constructor.name} ${this.name} (${levelName(this.getEffectiveLevel())})>`;
  }
}

/** Python's `RootLogger`: named 'root', level WARNING. */
export class RootLogger extends Logger {
  constructor(level: number | string = WARNING) {
    super('root', level);
  }
}

/** Python's `_StderrHandler`: writes to whatever `process.stderr` is at the time. */
class StderrHandler extends Handler {
  constructor(level: number) {
    super();
    this.level = level;
    this.setFormatter(new Formatter('%(message)s'));
  }
  emitRecord(record: LogRecord): void {
    process.stderr.write(this.format(record) + '\n');
  }
}

/** Python's `logging.lastResort`: used when a record reaches no handler. Set to null to drop such records. */
export let lastResort: Handler | null = new StderrHandler(WARNING);
export function setLastResort(h: Handler | null): void {
  lastResort = h;
}

/** The root logger and its manager, made by whichever copy of the package (ESM or CommonJS) is first. */
function loggers(): { root: Logger; manager: Manager } {
  return sharedState('loggers', () => {
    const root = new RootLogger(WARNING);
    const manager = new Manager(root);
    root.manager = manager;
    return { root, manager };
  });
}
export const root: Logger = loggers().root;
export const manager: Manager = loggers().manager;

/** Python's `logging.getLogger(name)`: the root logger without a name (or with 'root'); the same object for the same name. */
export function getLogger(name?: string | null): Logger {
  if (!name || name === root.name) return root;
  return manager.getLogger(name);
}

/** Python's `logging.disable(level)`: drops every record at or below `level` (CRITICAL by default). */
export function disable(level: number = CRITICAL): void {
  manager.disable = level;
}
