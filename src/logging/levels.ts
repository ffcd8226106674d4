/** Python's logging levels, `addLevelName`, `getLevelName` and `_checkLevel`. */
import { sharedState } from './state.js';

export const CRITICAL = 50;
export const FATAL = CRITICAL;
export const ERROR = 40;
export const WARNING = 30;
export const WARN = WARNING;
export const INFO = 20;
export const DEBUG = 10;
export const NOTSET = 0;

const { levelToName, nameToLevel } = sharedState('levels', () => ({
  levelToName: new Map<number, string>([
    [CRITICAL, 'CRITICAL'],
    [ERROR, 'ERROR'],
    [WARNING, 'WARNING'],
    [INFO, 'INFO'],
    [DEBUG, 'DEBUG'],
    [NOTSET, 'NOTSET'],
  ]),
  nameToLevel: new Map<string, number>([
    ['CRITICAL', CRITICAL],
    ['FATAL', FATAL],
    ['ERROR', ERROR],
    ['WARN', WARNING],
    ['WARNING', WARNING],
    ['INFO', INFO],
    ['DEBUG', DEBUG],
    ['NOTSET', NOTSET],
  ]),
}));

/** Listeners told when level names change (loggers cache level names per record). */
const onChange: Array<() => void> = [];

/** Python's `logging.addLevelName(level, levelName)`. */
export function addLevelName(level: number, levelName: string): void {
  levelToName.set(level, levelName);
  nameToLevel.set(levelName, level);
  for (const fn of onChange) fn();
}

/**
 * Python's `logging.getLevelName(level)`: the name of a numeric level, the number of a
 * registered name, else `'Level %s'`.
 */
export function getLevelName(level: number | string): string | number {
  if (typeof level === 'number') {
    const name = levelToName.get(level);
    if (name !== undefined) return name;
  } else {
    const n = nameToLevel.get(level);
    if (n !== undefined) return n;
  }
  return `Level ${level}`;
}

/** The name used for `%(levelname)s`. */
export function levelName(level: number): string {
  return levelToName.get(level) ?? `Level ${level}`;
}

/** Python's `logging.getLevelNamesMapping()`. */
export function getLevelNamesMapping(): Record<string, number> {
  return Object.fromEntries(nameToLevel);
}

/** Python's `logging._checkLevel`: an integer, or a registered level name. */
export function checkLevel(level: unknown): number {
  if (typeof level === 'number' && Number.isInteger(level)) return level;
  if (typeof level === 'string') {
    const n = nameToLevel.get(level);
    if (n === undefined) throw new ValueError(`Unknown level: ${pyRepr(level)}`);
    return n;
  }
  throw new TypeError(`Level not an integer or a valid string: ${pyRepr(level)}`);
}

/** Python's `ValueError`, so that messages and `instanceof` checks port. */
export class ValueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ValueError';
  }
}

/** A short Python-style repr for error messages: strings in single quotes. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'function') return `<function ${v.name || '<anonymous>'}>`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
