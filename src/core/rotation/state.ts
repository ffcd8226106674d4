// The rotation state: what every process writing a log agrees on, kept in its lock file and read and
// written only under that lock; its journal of rotations (`history`), which `concurrent-log follow`
// reads; and the check that what is read is a state this package wrote. Plain data, imported by
// the policies, the appender and the follower; it imports none of them.
import { readSync, fstatSync } from 'node:fs';

/** Version of the state's format (`v`); a state of another version is not used. */
export const STATE_VERSION = 1;

/**
 * What every process agrees on, kept in the lock file and read and written only under the lock:
 * the current period of the base file, and the recent rotated periods (the size policy keeps the
 * timed fields at zero and uses the generation and the compression queue only).
 */
export interface RotationState {
  v: number;
  /** CPython's `rolloverAt`: the first second that belongs to the next file. */
  rolloverAt: number;
  /** First second of the base file's current period. Earlier records are late. */
  start: number;
  /** Timed handler with maxBytes: the base file's parts already rotated in the current period. */
  parts?: number;
  /** Bumped at every rotation, so a process holding the old base file open reopens it. */
  gen: number;
  /**
   * Rotated periods, oldest first: [start, end, file path, what a reader needs to follow it]. The
   * fourth element is absent in states written before it existed; readers of [start, end, path]
   * are unaffected.
   */
  history: Array<[number, number, string, RotatedEntry?]>;
  /** Rotations ever made on this state (never reset, unlike `gen`): the last entry's `seq`. */
  seq?: number;
  /** With `compress`: rotated files not yet gzipped (a crash leaves them here for the next pass). */
  compress?: string[];
  /** `key` of the policy that wrote the state: `Schedule.key` for time (absent in states of version 0.1). */
  schedule?: string;
  /** Pids of the processes that joined with that schedule: a live one means it is still in use. */
  writers?: number[];
  /**
   * The same writers with the pid namespace they count in (`Writer`): `writers` alone cannot tell
   * two containers' pid 1 apart. Absent in states written before it existed.
   */
  procs?: Writer[];
  /**
   * The `openId` of the last opening that compared the base file's mtime with the period: the
   * other appenders of the same opening (the flusher's, a writing thread's own) do not compare it
   * again, which would misread a base file they themselves just wrote.
   */
  opening?: number;
}

/**
 * A process that joined the state: its pid, the boot and pid namespace that pid is counted in, and
 * when it last said it was there (epoch seconds). One in our namespace is alive if its pid is; one
 * in another (another container) cannot be asked, and is alive while it keeps `seen` fresh.
 */
export interface Writer {
  pid: number;
  ns: string;
  seen: number;
}

/**
 * How a rotated file continues the base file it was, for readers that follow the series
 * (`concurrent-log follow`): with `seq` they tell new entries from seen ones even when a name is
 * reused or the history has dropped old ones; with `ino` and `at` they find where the bytes they
 * were reading from the base file went.
 */
export interface RotatedEntry {
  /** 1, 2, 3...: this rotation's number, counted in `RotationState.seq`. */
  seq: number;
  /** Inode of the base file that was rotated (0: there was none). */
  ino: number;
  /** Offset in the rotated file where the base file's bytes begin: 0, or the size it had when the base was appended to it. */
  at: number;
  /** Timed handler with maxBytes: the period's default rotated name (before the namer and the part number). */
  name?: string;
  /** Timed handler with maxBytes: the number of this file's part of its period (0: the plain name). */
  part?: number;
  /**
   * Size handler (default names): the file was `<base>.1` and every later rotation shifts it by one,
   * so it is now `<base>.<1 + seq now - this seq>` (or that `.gz`), gone past backupCount.
   */
  shifted?: boolean;
}

/** How many rotations the on-disk state remembers (late records find their period's file there too). */
const HISTORY_LENGTH = 64;

/** Adds a rotation to the journal: numbered after the last one, the oldest forgotten past HISTORY_LENGTH. */
export function journal(
  state: RotationState,
  start: number,
  end: number,
  file: string,
  entry: Omit<RotatedEntry, 'seq'>,
): void {
  state.seq = (state.seq ?? 0) + 1;
  state.history.push([start, end, file, { seq: state.seq, ...entry }]);
  if (state.history.length > HISTORY_LENGTH) state.history.splice(0, state.history.length - HISTORY_LENGTH);
}

/**
 * The state in the lock file open at `fd` (read from offset 0, whatever the descriptor's position),
 * into `buf` or a bigger buffer: returns the check's result and the buffer to reuse. Under the lock.
 */
export function readStateAt(
  fd: number,
  buf: Buffer,
  checkSchedule?: (key: string) => void,
): ReturnType<typeof checkState> & { buf: Buffer } {
  const size = fstatSync(fd).size;
  if (size > buf.length) buf = Buffer.allocUnsafe(size * 2);
  const n = readSync(fd, buf, 0, size, 0);
  return { ...checkState(buf.toString('utf8', 0, n), checkSchedule), buf };
}

/**
 * The rotation state from the lock file's text, or null when there is none usable: empty, of
 * another version, or unreadable (a process killed mid-write of it, or not ours), which the handler
 * rebuilds from the files themselves. Writers and followers read it through `checkState`.
 */
export function parseState(text: string): RotationState | null {
  return checkState(text).state;
}

/** Epoch seconds past any time a schedule computes (year 5138): a later one is not a time. */
const MAX_SECONDS = 1e11;

/**
 * The state, or null and why (nothing is wrong with an empty file: there is no state yet).
 * `checkSchedule` throws for a policy key the reader cannot follow (writers pass policyFromKey).
 */
export function checkState(
  text: string,
  checkSchedule: (key: string) => void = () => {},
): {
  state: RotationState | null;
  problem: { reason: 'unreadable' | 'version'; detail: string } | null;
} {
  if (text.length === 0) return { state: null, problem: null };
  let s: RotationState;
  try {
    s = JSON.parse(text) as RotationState;
  } catch (err) {
    return { state: null, problem: { reason: 'unreadable', detail: (err as Error).message } };
  }
  if (typeof s !== 'object' || s === null)
    return { state: null, problem: { reason: 'unreadable', detail: 'not an object' } };
  if (s.v !== STATE_VERSION)
    return {
      state: null,
      problem: { reason: 'version', detail: `version ${describeValue(s.v)}, this package writes ${STATE_VERSION}` },
    };
  const bad = stateFault(s, checkSchedule);
  return bad === null ? { state: s, problem: null } : { state: null, problem: { reason: 'unreadable', detail: bad } };
}

/** The first field of `s` that is not what the handler writes, or null. */
function stateFault(s: RotationState, checkSchedule: (key: string) => void): string | null {
  const time = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= MAX_SECONDS;
  const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!time(s.rolloverAt) || !time(s.start)) return 'rolloverAt and start must be times';
  if (!count(s.gen) || (s.seq !== undefined && !count(s.seq)) || (s.parts !== undefined && !count(s.parts)))
    return 'gen, seq and parts must be counts';
  if (
    !Array.isArray(s.history) ||
    !s.history.every((h) => Array.isArray(h) && time(h[0]) && time(h[1]) && typeof h[2] === 'string')
  )
    return 'history must be [start, end, path] entries';
  if (s.compress !== undefined && !(Array.isArray(s.compress) && s.compress.every((p) => typeof p === 'string')))
    return 'compress must be paths';
  if (
    s.writers !== undefined &&
    !(Array.isArray(s.writers) && s.writers.every((p) => Number.isSafeInteger(p) && p > 0))
  )
    return 'writers must be pids';
  if (
    s.procs !== undefined &&
    !(
      Array.isArray(s.procs) &&
      s.procs.every(
        (w) => Number.isSafeInteger(w?.pid) && w.pid > 0 && typeof w.ns === 'string' && Number.isFinite(w.seen),
      )
    )
  )
    return 'procs must be writers';
  if (s.schedule !== undefined) {
    if (typeof s.schedule !== 'string') return 'schedule must be a policy key';
    try {
      checkSchedule(s.schedule);
    } catch (err) {
      return `schedule: ${(err as Error).message}`;
    }
  }
  return null;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
