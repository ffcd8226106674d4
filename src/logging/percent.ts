/**
 * Python's printf-style `%` operator (`'%s: %(name)s' % args`), used for log messages
 * (`msg % args`) and for `%`-style formatter strings. Formats are compiled once and cached
 * by the caller when they are reused (the formatter's own format string).
 */
import { inspect } from 'node:util';
import { ValueError } from './levels.js';

export interface Spec {
  /** `%(key)s`: the mapping key; undefined for positional. */
  key: string | undefined;
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  alt: boolean;
  /** -1: none; -2: '*' (taken from the arguments). */
  width: number;
  precision: number;
  conv: string;
}
export type Piece = string | Spec;

const CONVERSIONS = 'diouxXeEfFgGcrsa%';

/** Compiles a `%` format into literal strings and conversion specs. Throws Python's ValueErrors. */
export function compilePercent(fmt: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  const n = fmt.length;
  let i = 0;
  while (i < n) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) {
      lit += fmt.slice(i);
      break;
    }
    lit += fmt.slice(i, pct);
    i = pct + 1;
    if (i >= n) throw new ValueError('incomplete format');
    let key: string | undefined;
    if (fmt[i] === '(') {
      let depth = 1;
      let j = i + 1;
      while (j < n && depth > 0) {
        if (fmt[j] === '(') depth++;
        else if (fmt[j] === ')') depth--;
        j++;
      }
      if (depth > 0) throw new ValueError('incomplete format key');
      key = fmt.slice(i + 1, j - 1);
      i = j;
    }
    const spec: Spec = {
      key,
      minus: false,
      plus: false,
      space: false,
      zero: false,
      alt: false,
      width: -1,
      precision: -1,
      conv: '',
    };
    for (; i < n; i++) {
      const c = fmt[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else if (c === '#') spec.alt = true;
      else break;
    }
    if (fmt[i] === '*') {
      spec.width = -2;
      i++;
    } else {
      const m = /^\d+/.exec(fmt.slice(i, i + 12));
      if (m) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (fmt[i] === '.') {
      i++;
      if (fmt[i] === '*') {
        spec.precision = -2;
        i++;
      } else {
        const m = /^\d*/.exec(fmt.slice(i, i + 12))!;
        spec.precision = m[0] ? Number(m[0]) : 0;
        i += m[0].length;
      }
    }
    while (i < n && 'hlL'.includes(fmt[i])) i++;
    if (i >= n) throw new ValueError('incomplete format');
    const conv = fmt[i];
    if (!CONVERSIONS.includes(conv)) {
      const code = conv.codePointAt(0)!;
      throw new ValueError(`unsupported format character '${conv}' (0x${code.toString(16)}) at index ${i}`);
    }
    i++;
    if (conv === '%' && key === undefined && spec.width === -1 && spec.precision === -1) {
      lit += '%';
      continue;
    }
    spec.conv = conv;
    if (lit) out.push(lit);
    lit = '';
    out.push(spec);
  }
  if (lit) out.push(lit);
  return out;
}

/** Python's "is a Mapping": a plain object or a Map. */
export function isMapping(v: unknown): v is Record<string, unknown> | Map<unknown, unknown> {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isEmptyMapping(v: Record<string, unknown> | Map<unknown, unknown>): boolean {
  if (v instanceof Map) return v.size === 0;
  for (const _ in v) return false;
  return true;
}

/** Python's `str(value)`, with JavaScript values: strings as is, errors as their message, objects inspected on one line. */
export function pyStr(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(v);
    default:
      if (v === null) return 'null';
      if (v instanceof Error) return v.message;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (
        typeof (v as { toString?: unknown }).toString === 'function' &&
        (v as object).toString !== Object.prototype.toString &&
        !Array.isArray(v) &&
        typeof v !== 'function'
      ) {
        return String(v);
      }
      return inspect(v, { breakLength: Infinity, depth: 4 });
  }
}

/** Python's `repr(value)`: strings quoted. */
export function pyReprValue(v: unknown): string {
  return inspect(v, { breakLength: Infinity, depth: 4 });
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

function toInt(v: unknown, conv: string): bigint | number {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new ValueError('cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new RangeError('cannot convert float infinity to integer');
    if (conv !== 'd' && conv !== 'i' && conv !== 'u' && !Number.isInteger(v)) {
      throw new TypeError(`%${conv} format: an integer is required, not float`);
    }
    return Math.trunc(v);
  }
  const what = conv === 'd' || conv === 'i' || conv === 'u' ? 'a real number is required' : 'an integer is required';
  throw new TypeError(`%${conv} format: ${what}, not ${typeName(v)}`);
}

function toFloat(v: unknown, _conv: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TypeError(`must be real number, not ${typeName(v)}`);
}

function pyExp(s: string): string {
  // JavaScript writes e+5; Python writes e+05.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatFloat(x: number, conv: string, prec: number, alt: boolean): string {
  const upper = conv === 'E' || conv === 'F' || conv === 'G';
  let s: string;
  if (!Number.isFinite(x)) {
    s = Number.isNaN(x) ? 'nan' : 'inf';
    return upper ? s.toUpperCase() : s;
  }
  const p = prec < 0 ? 6 : prec;
  const ax = Math.abs(x);
  switch (conv) {
    case 'f':
    case 'F':
      s = ax < 1e21 ? ax.toFixed(p) : BigInt(Math.round(ax)).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
      if (alt && p === 0) s += '.';
      break;
    case 'e':
    case 'E':
      s = pyExp(ax.toExponential(Math.min(p, 100)));
      if (alt && p === 0) s = s.replace('e', '.e');
      break;
    default: {
      const P = p === 0 ? 1 : p;
      if (ax === 0) {
        s = alt ? (0).toFixed(P - 1) : '0';
        break;
      }
      const exp = Number(ax.toExponential(P - 1).split('e')[1]);
      if (exp >= -4 && exp < P) {
        s = ax.toFixed(Math.max(0, P - 1 - exp));
        if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
      } else {
        s = ax.toExponential(P - 1);
        if (!alt) s = s.replace(/\.?0+e/, 'e');
        s = pyExp(s);
      }
    }
  }
  if (upper) s = s.toUpperCase();
  return (x < 0 || Object.is(x, -0) ? '-' : '') + s;
}

function pad(body: string, sign: string, spec: Spec, width: number, numeric: boolean): string {
  const len = sign.length + body.length;
  if (width <= len) return sign + body;
  if (spec.minus) return sign + body + ' '.repeat(width - len);
  if (spec.zero && numeric) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

/** Formats one value with one conversion spec. */
export function formatValue(spec: Spec, v: unknown, width = spec.width, precision = spec.precision): string {
  const conv = spec.conv;
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      let s = conv === 's' ? pyStr(v) : pyReprValue(v);
      if (precision >= 0) s = s.slice(0, precision);
      return width > s.length ? (spec.minus ? s + ' '.repeat(width - s.length) : ' '.repeat(width - s.length) + s) : s;
    }
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      const n = toInt(v, conv);
      const neg = n < 0;
      const abs = typeof n === 'bigint' ? (neg ? -n : n) : Math.abs(n);
      let body =
        conv === 'o'
          ? abs.toString(8)
          : conv === 'x'
            ? abs.toString(16)
            : conv === 'X'
              ? abs.toString(16).toUpperCase()
              : abs.toString();
      if (precision > body.length) body = '0'.repeat(precision - body.length) + body;
      let sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
      if (spec.alt && conv !== 'd' && conv !== 'i' && conv !== 'u')
        sign += conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X';
      return pad(body, sign, spec, width, true);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      const x = toFloat(v, conv);
      let s = formatFloat(x, conv, precision, spec.alt);
      let sign = '';
      if (s.startsWith('-')) {
        sign = '-';
        s = s.slice(1);
      } else if (spec.plus) sign = '+';
      else if (spec.space) sign = ' ';
      return pad(s, sign, spec, width, Number.isFinite(x));
    }
    case 'c': {
      let s: string;
      if (typeof v === 'number' && Number.isInteger(v)) s = String.fromCodePoint(v);
      else if (typeof v === 'string' && [...v].length === 1) s = v;
      else throw new TypeError('%c requires an int or a unicode character, not ' + typeName(v));
      return pad(s, '', { ...spec, zero: false }, width, false);
    }
    case '%':
      return pad('%', '', { ...spec, zero: false }, width, false);
    default:
      throw new ValueError(`unsupported format character '${conv}'`);
  }
}

function lookup(map: Record<string, unknown> | Map<unknown, unknown>, key: string): unknown {
  if (map instanceof Map) {
    if (!map.has(key)) throw keyError(key);
    return map.get(key);
  }
  const v = map[key];
  if (v === undefined && !(key in map)) throw keyError(key);
  return v;
}

function keyError(key: string): Error {
  const e = new Error(`'${key}'`);
  e.name = 'KeyError';
  return e;
}

/**
 * Applies compiled pieces to `args`, as Python's `fmt % args` does: `args` is a mapping
 * (for `%(key)s`), or a tuple of positional values.
 */
export function applyPercent(
  pieces: Piece[],
  args: unknown[] | Record<string, unknown> | Map<unknown, unknown>,
  positional: boolean,
): string {
  let out = '';
  let argi = 0;
  const tuple = positional ? (args as unknown[]) : undefined;
  const next = (): unknown => {
    if (!tuple) return args;
    if (argi >= tuple.length) throw new TypeError('not enough arguments for format string');
    return tuple[argi++];
  };
  for (const p of pieces) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    let spec = p;
    let width = p.width;
    let precision = p.precision;
    if (width === -2) {
      const w = next();
      if (typeof w !== 'number') throw new TypeError('* wants int');
      width = Math.abs(w);
      if (w < 0) spec = { ...p, minus: true };
    }
    if (precision === -2) {
      const w = next();
      if (typeof w !== 'number') throw new TypeError('* wants int');
      precision = w;
    }
    let v: unknown;
    if (p.key !== undefined) {
      if (tuple) throw new TypeError('format requires a mapping');
      v = lookup(args as Record<string, unknown>, p.key);
    } else if (p.conv === '%') {
      v = undefined;
    } else {
      v = next();
    }
    out += formatValue(spec, v, width, precision);
  }
  if (tuple && argi < tuple.length) throw new TypeError('not all arguments converted during string formatting');
  return out;
}

/**
 * Python's `msg % args` as `LogRecord.getMessage()` does it: a single non-empty mapping
 * argument is used for `%(key)s`; otherwise the arguments are a tuple.
 */
export function percentFormat(msg: string, args: unknown[]): string {
  const pieces = compilePercent(msg);
  if (args.length === 1 && isMapping(args[0]) && !isEmptyMapping(args[0])) {
    return applyPercent(pieces, args[0], false);
  }
  return applyPercent(pieces, args, true);
}

/** How many positional arguments a format consumes (for a trailing Error argument). -1 if the format is invalid. */
export function positionalCount(msg: string): number {
  try {
    let n = 0;
    for (const p of compilePercent(msg)) {
      if (typeof p === 'string' || p.key !== undefined) continue;
      if (p.width === -2) n++;
      if (p.precision === -2) n++;
      if (p.conv !== '%') n++;
    }
    return n;
  } catch {
    return -1;
  }
}
