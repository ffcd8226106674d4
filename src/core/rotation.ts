import {
  closeSync, constants, fstatSync, ftruncateSync, openSync, readdirSync, readSync, renameSync,
  statSync, unlinkSync, writeSync, readFileSync, writeFileSync, type Stats,
} from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname } from 'node:path';
import { FileLock } from './filelock.js';
import { Schedule, filesToDelete } from '../time/schedule.js';
import { forEachFrame } from './ring.js';

/** How many rotated periods the on-disk state remembers, so late records find their own file. */
const HISTORY_LENGTH = 64;
const STATE_VERSION = 1;

/**
 * What every process agrees on, kept in the lock file and read and written only under the lock:
 * the current period of the base file, and the recent rotated periods.
 */
export interface RotationState {
  v: number;
  /** CPython's `rolloverAt`: the first second that belongs to the next file. */
  rolloverAt: number;
  /** First second of the base file's current period. Earlier records are late. */
  start: number;
  /** Bumped at every rotation, so a process holding the old base file open reopens it. */
  gen: number;
  /** Rotated periods, oldest first: [start, end, file path]. */
  history: Array<[number, number, string]>;
  /** With `compress`: rotated files not yet gzipped (a crash leaves them here for the next pass). */
  compress?: string[];
}

export interface AppenderOptions {
  /** Absolute path of the base file. */
  filename: string;
  schedule: Schedule;
  backupCount: number;
  delay: boolean;
  mode: number;
  namer: ((defaultName: string) => string) | null;
  rotator: ((source: string, dest: string) => void) | null;
  /** gzip rotated files after rotation, outside the lock (`<name>.gz`). */
  compress: boolean;
}

/** An error from the file system, with the path and the operation it came from. */
export class LogFileError extends Error {
  readonly code: string;
  readonly path: string;
  readonly syscall: string;
  override readonly cause: unknown;
  constructor(op: string, path: string, cause: unknown) {
    const c = cause as NodeJS.ErrnoException;
    super(`concurrent-log: cannot ${op} ${path}: ${c?.message ?? String(cause)}`);
    this.name = 'LogFileError';
    this.code = c?.code ?? 'ERR_CONCURRENT_LOG_IO';
    this.path = path;
    this.syscall = op;
    this.cause = cause;
  }
}

const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;

/**
 * Appends records to the base file and its rotated siblings under the cross-process file lock,
 * rotating exactly once per period however many processes race for it. Every decision is made from
 * the state in the lock file and each record's own time, so a record lands in its own period's file.
 */
export class FileAppender {
  readonly options: AppenderOptions;
  readonly lock: FileLock;
  private baseFd = -1;
  private baseGen = -1;
  private out: Buffer = Buffer.allocUnsafe(64 * 1024);
  private readonly stateBuf = Buffer.allocUnsafe(64 * 1024);
  /** Whether rotated files may be waiting for compression (always checked once at start). */
  private compressPending = true;

  constructor(options: AppenderOptions) {
    this.options = options;
    this.lock = new FileLock(options.filename + '.lock');
  }

  /**
   * Writes the frames in `buf[0, bytes)`, calling `committed(end)` each time the frames before
   * offset `end` are on disk, so the caller can free them at once: if this thread dies or fails
   * part-way, nothing already written is written again and nothing unwritten is forgotten.
   */
  appendFrames(buf: Buffer, bytes: number, committed: (end: number) => void): void {
    if (bytes === 0) return;
    const lockFd = this.acquire();
    try {
      this.appendLocked(buf, bytes, committed, lockFd);
    } finally {
      this.lock.release();
    }
  }

  /** Opens the base file now if `delay` is false (CPython opens it in the constructor). */
  openEagerly(): void {
    if (this.options.delay) return;
    const lockFd = this.acquire();
    try {
      const state = this.readState(lockFd) ?? this.initialState(Date.now() / 1000);
      this.baseFile(state);
    } finally {
      this.lock.release();
    }
  }

  close(): void {
    if (this.baseFd >= 0) {
      closeSync(this.baseFd);
      this.baseFd = -1;
    }
    this.lock.close();
  }

  private acquire(): number {
    try {
      return this.lock.acquire();
    } catch (err) {
      throw new LogFileError('lock', this.lock.path, err);
    }
  }

  private appendLocked(buf: Buffer, bytes: number, committed: (end: number) => void, lockFd: number): void {
    let state: RotationState | null = this.readState(lockFd);
    let dirty = false;
    // The current run: consecutive frames bound for one file, written with one write().
    let runTarget: string | null = null; // null = the base file
    let inRun = false;
    let runEnd = 0;
    let outLen = 0;

    const flushRun = (): void => {
      if (!inRun) return;
      if (runTarget === null) this.writeAll(this.baseFile(state!), this.options.filename, this.out, outLen);
      else this.appendTo(runTarget, this.out, outLen);
      committed(runEnd);
      inRun = false;
      outLen = 0;
    };

    try {
      forEachFrame(buf, bytes, (timeMs, start, end) => {
        const seconds = timeMs / 1000;
        if (state === null) {
          state = this.initialState(seconds);
          dirty = true;
        }
        const whole = Math.trunc(seconds);
        if (whole >= state.rolloverAt) {
          flushRun();
          this.rollover(state, whole);
          // Saved at once: a thread that dies later in this batch must not leave a rotation
          // that the state does not know about.
          this.writeState(lockFd, state);
          dirty = false;
        }
        const target = seconds >= state.start ? null : this.lateTarget(state, seconds);
        if (inRun && target !== runTarget) flushRun();
        if (!inRun) {
          inRun = true;
          runTarget = target;
        }
        const len = end - start;
        if (outLen + len > this.out.length) this.out = grow(this.out, outLen, outLen + len);
        buf.copy(this.out, outLen, start, end);
        outLen += len;
        runEnd = end;
      });
      flushRun();
    } finally {
      if (dirty && state !== null) this.writeState(lockFd, state);
    }
  }

  /** CPython's __init__: the first rollover counts from the base file's mtime if it exists. */
  private initialState(nowSeconds: number): RotationState {
    const { schedule, filename } = this.options;
    const st = statOrNull(filename);
    const mtime = st === null ? null : Math.trunc(st.mtimeMs / 1000);
    const rolloverAt = schedule.initialRollover(nowSeconds, mtime);
    return { v: STATE_VERSION, rolloverAt, start: Math.min(schedule.periodStart(rolloverAt), Math.trunc(nowSeconds)), gen: 0, history: [] };
  }

  /**
   * CPython's doRollover, run once for everybody under the lock. Deviation: when the target name
   * already exists CPython deletes it, losing its records; we append the base file to it instead.
   */
  private rollover(state: RotationState, currentTime: number): void {
    const { schedule, filename } = this.options;
    const st = statOrNull(filename);
    if (st !== null && !st.isFile()) {
      // CPython (bpo-89564) never rotates a non-regular file; it only moves rolloverAt on.
      state.rolloverAt = schedule.computeRollover(currentTime);
      return;
    }
    const dfn = this.rotationFilename(filename + '.' + schedule.rotationSuffix(state.rolloverAt, currentTime));
    this.closeBase();
    if (st !== null) {
      if (exists(dfn)) this.mergeInto(filename, dfn);
      else this.rotate(filename, dfn);
    }
    if (this.options.compress) {
      (state.compress ??= []).push(dfn);
      this.compressPending = true;
    }
    state.history.push([state.start, state.rolloverAt, dfn]);
    if (state.history.length > HISTORY_LENGTH) state.history.splice(0, state.history.length - HISTORY_LENGTH);
    if (this.options.backupCount > 0) this.deleteBackups();
    state.rolloverAt = schedule.nextRollover(currentTime);
    state.start = schedule.periodStart(state.rolloverAt);
    state.gen++;
    if (!this.options.delay) this.baseFile(state);
  }

  private rotationFilename(defaultName: string): string {
    return this.options.namer ? this.options.namer(defaultName) : defaultName;
  }

  private rotate(source: string, dest: string): void {
    try {
      if (this.options.rotator) this.options.rotator(source, dest);
      else renameSync(source, dest);
    } catch (err) {
      throw new LogFileError('rotate', `${source} -> ${dest}`, err);
    }
  }

  /** Keeps both files' records: the base file's content goes after the existing target's. */
  private mergeInto(source: string, dest: string): void {
    try {
      const data = readFileSync(source);
      this.appendTo(dest, data, data.length);
      unlinkSync(source);
    } catch (err) {
      if (err instanceof LogFileError) throw err;
      throw new LogFileError('merge', `${source} -> ${dest}`, err);
    }
  }

  private deleteBackups(): void {
    const { filename, schedule, backupCount, namer } = this.options;
    const dir = dirname(filename);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      throw new LogFileError('list', dir, err);
    }
    // Compressed names end in .gz: CPython's getFilesToDelete treats them as a namer's.
    for (const victim of filesToDelete(filename, backupCount, schedule, namer !== null || this.options.compress, names)) {
      try {
        unlinkSync(victim);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new LogFileError('delete', victim, err);
      }
    }
  }

  /** The file a late record belongs to: its period's rotated file, else a file named for its own time. */
  private lateTarget(state: RotationState, seconds: number): string {
    const h = state.history;
    for (let i = h.length - 1; i >= 0; i--) {
      const [start, end, file] = h[i]!;
      if (seconds >= start && seconds < end) return file;
    }
    const { schedule, filename } = this.options;
    const whole = Math.trunc(seconds);
    return this.rotationFilename(filename + '.' + schedule.rotationSuffix(whole + schedule.interval, whole));
  }

  private baseFile(state: RotationState): number {
    if (this.baseFd >= 0 && this.baseGen === state.gen) return this.baseFd;
    this.closeBase();
    try {
      this.baseFd = openSync(this.options.filename, APPEND_FLAGS, this.options.mode);
    } catch (err) {
      throw new LogFileError('open', this.options.filename, err);
    }
    this.baseGen = state.gen;
    return this.baseFd;
  }

  private closeBase(): void {
    if (this.baseFd >= 0) {
      try {
        closeSync(this.baseFd);
      } finally {
        this.baseFd = -1;
      }
    }
  }

  /**
   * gzips the rotated files waiting in the state, off the write path: each is compressed without
   * the lock into `<name>.gz.tmp`, then, under the lock and only if no late record grew the plain
   * file meanwhile, renamed to `<name>.gz` and the plain file removed. A crash at any point leaves
   * the plain file (and maybe a stray .tmp), never a half-written .gz alone.
   */
  compressRotated(): void {
    if (!this.options.compress || !this.compressPending) return;
    this.compressPending = false;
    const pending = this.withState((state) => [...(state?.compress ?? [])]);
    for (const plain of pending) {
      let data: Buffer;
      try {
        data = readFileSync(plain);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new LogFileError('read for compression', plain, err);
        this.withState((state) => this.forgetCompressed(state, plain));
        continue;
      }
      const gz = plain + '.gz';
      const tmp = gz + '.tmp';
      try {
        writeFileSync(tmp, gzipSync(data), { mode: this.options.mode });
      } catch (err) {
        throw new LogFileError('compress', plain, err);
      }
      const done = this.withState((state) => {
        const size = statOrNull(plain)?.size ?? -1;
        if (size !== data.length) {
          unlinkQuiet(tmp);
          if (size < 0) this.forgetCompressed(state, plain);
          return size < 0;
        }
        try {
          // An existing .gz (a period rotated twice) keeps its members: the new one goes after them.
          if (exists(gz)) writeFileSync(tmp, Buffer.concat([readFileSync(gz), readFileSync(tmp)]));
          renameSync(tmp, gz);
          unlinkSync(plain);
        } catch (err) {
          throw new LogFileError('compress', plain, err);
        }
        this.forgetCompressed(state, plain);
        return true;
      });
      if (!done) this.compressPending = true;
    }
  }

  private forgetCompressed(state: RotationState | null, plain: string): void {
    if (state?.compress) state.compress = state.compress.filter((p) => p !== plain);
  }

  /** Runs `fn` under the lock with the current state, saving the state afterwards. */
  private withState<T>(fn: (state: RotationState | null) => T): T {
    const lockFd = this.acquire();
    try {
      const state = this.readState(lockFd);
      const result = fn(state);
      if (state !== null) this.writeState(lockFd, state);
      return result;
    } finally {
      this.lock.release();
    }
  }

  private appendTo(path: string, data: Buffer, len: number): void {
    if (this.options.compress && !exists(path) && exists(path + '.gz')) {
      // A late record for a period already compressed: a gzip file may hold several members.
      const member = gzipSync(data.subarray(0, len));
      this.appendPlain(path + '.gz', member, member.length);
      return;
    }
    this.appendPlain(path, data, len);
  }

  private appendPlain(path: string, data: Buffer, len: number): void {
    let fd: number;
    try {
      fd = openSync(path, APPEND_FLAGS, this.options.mode);
    } catch (err) {
      throw new LogFileError('open', path, err);
    }
    try {
      this.writeAll(fd, path, data, len);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * One write() for the whole run. If it fails part-way (disk full), the bytes it did write are cut
   * off again, so the file never ends in a torn record and the run can be retried whole.
   */
  private writeAll(fd: number, path: string, data: Buffer, len: number): void {
    let written = 0;
    try {
      while (written < len) written += writeSync(fd, data, written, len - written);
    } catch (err) {
      if (written > 0) {
        try {
          ftruncateSync(fd, fstatSync(fd).size - written);
        } catch {
          // The truncate failing too leaves a torn tail; the write error below is still reported.
        }
      }
      throw new LogFileError('write', path, err);
    }
  }

  private readState(lockFd: number): RotationState | null {
    let n: number;
    try {
      n = readSync(lockFd, this.stateBuf, 0, this.stateBuf.length, 0);
    } catch (err) {
      throw new LogFileError('read state from', this.lock.path, err);
    }
    if (n === 0) return null;
    try {
      const s = JSON.parse(this.stateBuf.toString('utf8', 0, n)) as RotationState;
      if (s.v === STATE_VERSION && typeof s.rolloverAt === 'number') return s;
    } catch {
      // A state cut short (a process killed mid-write of it) is rebuilt from the file itself.
    }
    return null;
  }

  private writeState(lockFd: number, state: RotationState): void {
    const text = Buffer.from(JSON.stringify(state));
    try {
      // Written in place and then truncated: a reader holding the lock never sees it half done.
      writeSync(lockFd, text, 0, text.length, 0);
      ftruncateSync(lockFd, text.length);
    } catch (err) {
      throw new LogFileError('write state to', this.lock.path, err);
    }
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function exists(path: string): boolean {
  return statOrNull(path) !== null;
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function grow(buf: Buffer, keep: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
  buf.copy(next, 0, 0, keep);
  return next;
}
