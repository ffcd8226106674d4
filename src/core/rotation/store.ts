// The rotation state as one appender reaches it: the cross-process lock file it lives in, read and
// written only while that lock is held, with the paths it must not act on left out and every
// problem found in it reported once (not once per batch). Everything the appender decides is
// decided from this state, so it is the only way to it.
import { ftruncateSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize } from 'node:path';
import { FileLock } from '../fs/filelock.js';
import { LogFileError, StateError, UnsafeFileError } from '../../errors.js';
import { policyFromKey } from './policy.js';
import type { AppenderOptions } from './ports.js';
import { readStateAt, type RotationState } from './state.js';

export class StateStore {
  readonly lock: FileLock;
  /**
   * The state was changed outside a rotation (foreign paths dropped here, or the policy's
   * `stateChanged`): the appender saves it with the batch and clears this.
   */
  dirty = false;
  private readonly options: AppenderOptions;
  /** State problems and untrusted files already reported (by kind and path): once each, not once per batch. */
  private readonly reported = new Set<string>();
  /** Where this log's rotated files may be: its folder, and the folder its namer puts them in. */
  private readonly folders: ReadonlySet<string>;
  /** Reused for reading the state; grown to the state file's size, so the state has no cap. */
  private stateBuf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private readonly onConflict: (err: Error) => void;

  /** `options` is the appender's own object: a namer assigned later (setHooks) is seen here. */
  constructor(options: AppenderOptions, onConflict: (err: Error) => void) {
    this.options = options;
    this.onConflict = onConflict;
    this.lock = new FileLock(options.lockFile, options.mkdir, options.mode);
    const dir = dirname(options.filename);
    let namerDir = dir;
    try {
      const name = `${options.filename}.2026-01-01`;
      namerDir = dirname(options.namer ? options.namer(name) : name);
    } catch {
      // A namer that throws is reported where it is used.
    }
    this.folders = new Set([dir, namerDir]);
  }

  acquire(): number {
    try {
      return this.lock.acquire();
    } catch (err) {
      if (err instanceof UnsafeFileError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !this.options.mkdir) {
        // The user asked for no folder to be made: the error names their log, not our lock file.
        throw new LogFileError(
          'open',
          this.options.filename,
          Object.assign(new Error(`its folder ${dirname(this.lock.path)} does not exist (mkdir: false)`), {
            code: 'ENOENT',
          }),
        );
      }
      throw new LogFileError('lock', this.lock.path, err);
    }
  }

  /** Runs `fn` with the lock held (given its descriptor, where the state is), releasing it after. */
  locked<T>(fn: (lockFd: number) => T): T {
    const lockFd = this.acquire();
    try {
      return fn(lockFd);
    } finally {
      this.lock.release();
    }
  }

  /** Runs `fn` under the lock with the current state, saving the state afterwards. */
  withState<T>(fn: (state: RotationState | null) => T): T {
    return this.locked((lockFd) => {
      const state = this.read(lockFd);
      const result = fn(state);
      if (state !== null) this.write(lockFd, state);
      return result;
    });
  }

  read(lockFd: number): RotationState | null {
    let read: ReturnType<typeof readStateAt>;
    try {
      read = readStateAt(lockFd, this.stateBuf, policyFromKey);
    } catch (err) {
      throw new LogFileError('read state from', this.lock.path, err);
    }
    this.stateBuf = read.buf;
    const { state, problem } = read;
    if (problem !== null) this.reportOnce(new StateError(this.lock.path, problem.reason, problem.detail));
    if (state !== null) this.dropForeignPaths(state);
    return state;
  }

  write(lockFd: number, state: RotationState): void {
    const text = Buffer.from(JSON.stringify(state));
    try {
      // Written in place and then truncated: a reader holding the lock never sees it half done.
      writeSync(lockFd, text, 0, text.length, 0);
      ftruncateSync(lockFd, text.length);
    } catch (err) {
      throw new LogFileError('write state to', this.lock.path, err);
    }
  }

  /** Reports `err` the first time this appender meets it (the same message: the same path, reason and detail). */
  reportOnce(err: UnsafeFileError | StateError): void {
    const key = err.message;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onConflict(err);
  }

  close(): void {
    this.lock.close();
  }

  /**
   * The state says which files to append late records to, and which to gzip and then delete: a
   * path that is not one of this log's rotated files (another folder, another log, the lock file)
   * is left out and reported, never acted on.
   */
  private dropForeignPaths(state: RotationState): void {
    const own = (p: string) =>
      isAbsolute(p) &&
      normalize(p) === p &&
      p !== this.options.filename &&
      p !== this.lock.path &&
      this.folders.has(dirname(p)) &&
      (this.options.namer !== null || basename(p).startsWith(`${basename(this.options.filename)}.`));
    const foreign = [...state.history.map(([, , file]) => file), ...(state.compress ?? [])].filter((p) => !own(p));
    if (foreign.length === 0) return;
    for (const p of new Set(foreign)) this.reportOnce(new StateError(this.lock.path, 'foreign path', p));
    state.history = state.history.filter(([, , file]) => own(file));
    if (state.compress) state.compress = state.compress.filter(own);
    // Saved without them, so that no other thread or process meets them again.
    this.dirty = true;
  }
}
