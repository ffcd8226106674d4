/** Python's `logging.Formatter`, with the `%`, `{` and `$` styles. */
import { ValueError, pyRepr } from './levels.js';
import { compilePercent, formatValue, pyStr, pyReprValue, type Piece, type Spec } from './percent.js';
import { getMessage, type LogRecord } from './record.js';
import { strftime } from '../time/strftime.js';
import { gmtime, localZone } from '../time/zone.js';

export type FormatStyle = '%' | '{' | '$';
export type TimeConverter = 'localtime' | 'gmtime';

const DEFAULT_FORMAT: Record<FormatStyle, string> = { '%': '%(message)s', '{': '{message}', $: '${message}' };
const CALLER_FIELDS = ['pathname', 'filename', 'module', 'lineno', 'funcName'];

/** One compiled piece of a format: a literal, or a field with its conversion. */
type Part = string | ((record: LogRecord) => string);

export interface FormatterOptions {
  /** Python's `defaults`: values for fields a record lacks. */
  defaults?: Record<string, unknown> | null;
  validate?: boolean;
}

export class Formatter {
  /** Python's `Formatter.converter`, class-wide: `'localtime'` (default) or `'gmtime'`. */
  static converter: TimeConverter = 'localtime';
  static default_time_format = '%Y-%m-%d %H:%M:%S';
  static default_msec_format: string | null = '%s,%03d';

  readonly fmt: string;
  readonly _fmt: string;
  datefmt: string | null;
  readonly style: FormatStyle;
  /** This formatter's converter; unset means the class-wide `Formatter.converter`. */
  converter?: TimeConverter;
  default_time_format: string;
  default_msec_format: string | null;

  private readonly parts: Part[];
  private readonly defaults: Record<string, unknown> | null;
  private readonly fields: Set<string>;
  private readonly _usesTime: boolean;
  private readonly _usesCaller: boolean;
  private timeCacheKey = NaN;
  private timeCacheValue = '';
  private timeCacheFmt: string | null = null;

  constructor(
    fmt?: string | null,
    datefmt?: string | null,
    style: FormatStyle = '%',
    validate: boolean | FormatterOptions = true,
    options: FormatterOptions = {},
  ) {
    if (typeof validate === 'object') {
      options = validate;
      validate = validate.validate ?? true;
    }
    if (style !== '%' && style !== '{' && style !== '$') {
      throw new ValueError(`Style must be one of: %,{,$`);
    }
    this.style = style;
    this.fmt = this._fmt = fmt || DEFAULT_FORMAT[style];
    this.datefmt = datefmt ?? null;
    this.defaults = options.defaults ?? null;
    this.default_time_format = (this.constructor as typeof Formatter).default_time_format;
    this.default_msec_format = (this.constructor as typeof Formatter).default_msec_format;
    this.fields = new Set();
    try {
      this.parts =
        style === '%'
          ? this.compilePercentStyle(this.fmt)
          : style === '{'
            ? this.compileBraceStyle(this.fmt)
            : this.compileDollarStyle(this.fmt);
    } catch (err) {
      throw new ValueError(`Invalid format ${pyRepr(this.fmt)} for '${style}' style: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (validate && this.fields.size === 0) {
      throw new ValueError(`Invalid format ${pyRepr(this.fmt)} for '${style}' style`);
    }
    this._usesTime = this.fields.has('asctime');
    this._usesCaller = CALLER_FIELDS.some((f) => this.fields.has(f));
  }

  /** Python's `usesTime()`: whether the format has `asctime`. */
  usesTime(): boolean {
    return this._usesTime;
  }

  /** Whether the format needs the caller's file, line or function (so loggers capture them only then). */
  usesCaller(): boolean {
    return this._usesCaller;
  }

  private field(name: string): (record: LogRecord) => unknown {
    this.fields.add(name);
    const defaults = this.defaults;
    return (record) => {
      const v = record[name];
      if (v !== undefined || name in record) return v;
      if (defaults && name in defaults) return defaults[name];
      throw new ValueError(`Formatting field not found in record: ${pyRepr(name)}`);
    };
  }

  private compilePercentStyle(fmt: string): Part[] {
    const pieces: Piece[] = compilePercent(fmt);
    return pieces.map((p): Part => {
      if (typeof p === 'string') return p;
      if (p.key === undefined) throw new TypeError('format requires a mapping');
      const get = this.field(p.key);
      const spec: Spec = p;
      if (spec.conv === 's' && spec.width < 0 && spec.precision < 0) return (r) => pyStr(get(r));
      return (r) => formatValue(spec, get(r));
    });
  }

  private compileBraceStyle(fmt: string): Part[] {
    const parts: Part[] = [];
    let lit = '';
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i];
      if (c === '{') {
        if (fmt[i + 1] === '{') {
          lit += '{';
          i++;
          continue;
        }
        const end = fmt.indexOf('}', i);
        if (end < 0) throw new ValueError("expected '}' before end of string");
        const body = fmt.slice(i + 1, end);
        const m = /^([A-Za-z_]\w*)(?:!([rsa]))?(?::(.*))?$/s.exec(body);
        if (!m) throw new ValueError(`invalid field name: ${pyRepr(body)}`);
        const get = this.field(m[1]);
        const conv = m[2];
        const spec = m[3] ? parseBraceSpec(m[3]) : null;
        if (lit) parts.push(lit);
        lit = '';
        parts.push((r) => {
          let v = get(r);
          if (conv) v = conv === 's' ? pyStr(v) : pyReprValue(v);
          return spec ? applyBraceSpec(spec, v) : pyStr(v);
        });
        i = end;
      } else if (c === '}') {
        if (fmt[i + 1] !== '}') throw new ValueError("Single '}' encountered in format string");
        lit += '}';
        i++;
      } else lit += c;
    }
    if (lit) parts.push(lit);
    return parts;
  }

  private compileDollarStyle(fmt: string): Part[] {
    const parts: Part[] = [];
    const re = /\$(?:(\$)|([A-Za-z_]\w*)|\{([A-Za-z_]\w*)\})/g;
    let last = 0;
    let lit = '';
    for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
      lit += fmt.slice(last, m.index);
      last = re.lastIndex;
      if (m[1]) {
        lit += '$';
        continue;
      }
      const get = this.field(m[2] ?? m[3]);
      if (lit) parts.push(lit);
      lit = '';
      parts.push((r) => pyStr(get(r)));
    }
    lit += fmt.slice(last);
    if (lit) parts.push(lit);
    return parts;
  }

  /** Python's `formatMessage(record)`: the format applied to the record's fields. */
  formatMessage(record: LogRecord): string {
    let s = '';
    for (const p of this.parts) s += typeof p === 'string' ? p : p(record);
    return s;
  }

  /** Python's `format(record)`: message, asctime, the formatted fields, then exception and stack text. */
  format(record: LogRecord): string {
    record.message = typeof record.getMessage === 'function' ? record.getMessage() : getMessage(record);
    if (this._usesTime) record.asctime = this.formatTime(record, this.datefmt);
    let s = this.formatMessage(record);
    if (record.excInfo) {
      if (!record.excText) record.excText = this.formatException(record.excInfo);
    }
    if (record.excText) {
      if (!s.endsWith('\n')) s += '\n';
      s += record.excText;
    }
    if (record.stackInfo) {
      if (!s.endsWith('\n')) s += '\n';
      s += this.formatStack(record.stackInfo);
    }
    return s;
  }

  /**
   * Python's `formatTime(record, datefmt)`: `strftime(datefmt)` of the record's time, or
   * `'%Y-%m-%d %H:%M:%S,mmm'` when there is no `datefmt`. Cached per second.
   */
  formatTime(record: LogRecord, datefmt: string | null = null): string {
    const created = record.created;
    const fmt = datefmt || this.default_time_format;
    const utc = (this.converter ?? Formatter.converter) === 'gmtime';
    const sec = Math.floor(created);
    let s: string;
    const cacheFmt = utc ? '\0' + fmt : fmt;
    if (sec === this.timeCacheKey && cacheFmt === this.timeCacheFmt) {
      s = this.timeCacheValue;
    } else {
      s = strftime(fmt, utc ? gmtime(sec) : localZone().localtime(sec));
      this.timeCacheKey = sec;
      this.timeCacheFmt = cacheFmt;
      this.timeCacheValue = s;
    }
    if (!datefmt && this.default_msec_format) {
      const ms = Math.floor(record.msecs);
      const mmm = ms < 10 ? '00' + ms : ms < 100 ? '0' + ms : String(ms);
      if (this.default_msec_format === '%s,%03d') return s + ',' + mmm;
      return this.default_msec_format.replace('%s', s).replace('%03d', mmm);
    }
    return s;
  }

  /** Python's `formatException(exc_info)`: the error's stack (with its causes), without a trailing newline. */
  formatException(excInfo: unknown): string {
    return formatError(excInfo).replace(/\n$/, '');
  }

  formatStack(stackInfo: string): string {
    return stackInfo;
  }
}

function formatError(e: unknown, depth = 0): string {
  if (!(e instanceof Error)) return pyStr(e);
  let s = e.stack ?? `${e.name}: ${e.message}`;
  if (e.cause !== undefined && depth < 8) {
    s += '\n\nThe above exception was the direct cause of:\n' + formatError(e.cause, depth + 1);
  }
  if (e instanceof AggregateError && depth < 8) {
    e.errors.forEach((sub, i) => {
      s += `\n\n[${i + 1}/${e.errors.length}] ` + formatError(sub, depth + 1);
    });
  }
  return s;
}

interface BraceSpec {
  fill: string;
  align: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number;
  type: string;
}

function parseBraceSpec(spec: string): BraceSpec {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new ValueError(`Invalid format specifier '${spec}'`);
  return {
    fill: m[1] ?? (m[5] && !m[2] ? '0' : ' '),
    align: m[2] ?? (m[5] ? '=' : ''),
    sign: m[3] ?? '-',
    alt: !!m[4],
    zero: !!m[5],
    width: m[6] ? Number(m[6]) : 0,
    grouping: m[7] ?? '',
    precision: m[8] !== undefined ? Number(m[8]) : -1,
    type: m[9] ?? '',
  };
}

function applyBraceSpec(spec: BraceSpec, v: unknown): string {
  let body: string;
  let sign = '';
  const numeric = typeof v === 'number' || typeof v === 'bigint';
  if (numeric && spec.type !== 's') {
    const x = v as number | bigint;
    const t = spec.type || (typeof x === 'number' && !Number.isInteger(x) ? 'g' : 'd');
    const neg = x < 0;
    if (t === '%') {
      body = Math.abs(Number(x) * 100).toFixed(spec.precision < 0 ? 6 : spec.precision) + '%';
    } else {
      const conv = t === 'n' ? 'd' : t === 'b' ? 'd' : t;
      const pspec: Spec = {
        key: undefined,
        minus: false,
        plus: false,
        space: false,
        zero: false,
        alt: spec.alt,
        width: -1,
        precision: spec.precision,
        conv,
      };
      if (t === 'b') body = (neg ? -BigInt(Math.trunc(Number(x))) : BigInt(Math.trunc(Number(x)))).toString(2);
      else if (t === 'g' && spec.precision < 0 && typeof x === 'number') body = String(Math.abs(x));
      else body = formatValue(pspec, typeof x === 'bigint' ? (neg ? -x : x) : Math.abs(x));
      if (spec.alt && t === 'b') body = '0b' + body;
    }
    if (spec.grouping) {
      const [int, frac] = body.split('.');
      body = int.replace(/\B(?=(\d{3})+(?!\d))/g, spec.grouping) + (frac !== undefined ? '.' + frac : '');
    }
    sign = neg ? '-' : spec.sign === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
  } else {
    body = pyStr(v);
    if (spec.precision >= 0) body = body.slice(0, spec.precision);
  }
  const len = sign.length + body.length;
  if (spec.width <= len) return sign + body;
  const n = spec.width - len;
  const fill = spec.fill;
  const align = spec.align || (numeric ? '>' : '<');
  switch (align) {
    case '<':
      return sign + body + fill.repeat(n);
    case '^':
      return fill.repeat(Math.floor(n / 2)) + sign + body + fill.repeat(n - Math.floor(n / 2));
    case '=':
      return sign + fill.repeat(n) + body;
    default:
      return fill.repeat(n) + sign + body;
  }
}
