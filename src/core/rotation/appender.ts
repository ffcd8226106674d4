// The FileAppender: what the flusher thread (or a writing thread draining its own ring) calls to
// put a batch of records on disk. It keeps CPython's emit path in shape (shouldRollover, doRollover,
// write) over a whole batch under one lock, and is the file port (RotationFiles) the policies
// decide through. The rest is its parts': the state under the lock (store.ts), which schedule to
// follow (reconcile.ts), the writing of runs (run.ts, files-out.ts), retention (retention.ts) and
// compression (compression.ts).
import { readFileSync, renameSync, unlinkSync } from 'node:fs';
import type { FileLock } from '../fs/filelock.js';
import { LogFileError, UnsafeFileError } from '../../errors.js';
import { exists, lstatOrNull } from '../fs/files.js';
import { FRAME_HEADER_BYTES, frameTime, payloadLength } from '../memory/frame.js';
import { Compressor } from './compression.js';
import { FilesOut } from './files-out.js';
import { policyFromKey } from './policy.js';
import type { AppenderOptions, RemoveReason, RotationEvent, RotationFiles } from './ports.js';
import { Reconciler } from './reconcile.js';
import { retain } from './retention.js';
import { Run } from './run.js';
import type { RotationState } from './state.js';
import { StateStore } from './store.js';

export { checkOpens } from './files-out.js';

/**
 * Appends records to the base file and its rotated siblings under the cross-process file lock,
 * rotating exactly once per period however many processes race for it. Every decision is made from
 * the state in the lock file and each record's own time, so a record lands in its own period's file.
 */
export class FileAppender implements RotationFiles {
  readonly options: AppenderOptions;
  /** The lock and the state in it; problems found there reported once. */
  private readonly store: StateStore;
  /** The schedule followed (ours, or live writers'), from the state on disk. */
  private readonly schedule: Reconciler;
  /** The base file's descriptor, and the writes to every file. */
  private readonly out: FilesOut;
  private readonly compressor: Compressor;
  /** Retention runs once at start (the first time the lock is held), then after each rotation. */
  private retentionDue = true;
  /** The batch being written, one run of frames per target file (kept: its buffer is reused). */
  private readonly run = new Run((state, target, data, len) => this.writeRun(state, target, data, len));

  /** Hears of each rotation and deletion, in the thread that made it (the handler's 'rotate' and 'remove' events). */
  private readonly onEvent: (e: RotationEvent) => void;

  /** CPython's assignable `namer` and `rotator`: used from the next rotation on. */
  setHooks(hooks: Pick<AppenderOptions, 'namer' | 'rotator'>): void {
    this.options.namer = hooks.namer;
    this.options.rotator = hooks.rotator;
  }

  /**
   * `onConflict` hears of a live writer of this file with another schedule, and of everything else
   * found on disk and not acted on (an unusable state, a file not trusted): never silent.
   */
  constructor(
    options: AppenderOptions,
    onConflict: (err: Error) => void,
    onEvent: (e: RotationEvent) => void = () => {},
  ) {
    this.options = options;
    this.onEvent = onEvent;
    this.store = new StateStore(options, onConflict);
    this.schedule = new Reconciler(options, onConflict);
    this.out = new FilesOut(options, (err) => this.store.reportOnce(err));
    this.compressor = new Compressor(options, this.store, this.out);
  }

  /** The cross-process lock (the drainer probes it on its descriptor, see drain.ts). */
  get lock(): FileLock {
    return this.store.lock;
  }

  /**
   * Writes the frames in `buf[0, bytes)`, calling `committed(end)` each time the frames before
   * offset `end` are on disk, so the caller can free them at once: if this thread dies or fails
   * part-way, nothing already written is written again and nothing unwritten is forgotten.
   */
  appendFrames(buf: Buffer, bytes: number, committed: (end: number) => void): void {
    if (bytes === 0) return;
    this.store.locked((lockFd) => this.appendLocked(buf, bytes, committed, lockFd));
  }

  /**
   * Opens the base file now if `delay` is false (CPython opens it in the constructor), recording the
   * state it opened it under, so that every process and every later drain agree on its period.
   */
  openEagerly(nowMs: number): void {
    if (this.options.delay) return;
    this.store.locked((lockFd) => {
      this.out.checkBase();
      const { state, changed } = this.schedule.reconcile(this.store.read(lockFd), nowMs / 1000, this);
      if (changed) this.store.write(lockFd, state);
      this.out.baseFile(state);
      this.retain();
    });
  }

  close(): void {
    this.out.close();
    this.store.close();
  }

  private appendLocked(buf: Buffer, bytes: number, committed: (end: number) => void, lockFd: number): void {
    const { store } = this;
    this.out.checkBase();
    const onDisk = store.read(lockFd);
    // A new state's "now": CPython computes it when the handler is made; with delay, when the first
    // record comes (so records stamped with explicit times start the schedule where they are).
    const nowMs = this.options.delay ? frameTime(buf, 0) : this.options.openedAt;
    const { state, changed } = this.schedule.reconcile(onDisk, nowMs / 1000, this);
    let dirty = changed;
    const run = this.run;
    const { policy } = this.schedule;
    if (this.retentionDue) this.retain();
    // A batch that failed part-way left its unwritten run behind: it is still in the ring and
    // comes back whole in the next batch, so it is dropped here, never written twice.
    run.reset();
    // Other processes may have written since our last batch: the size is read again when asked.
    this.out.forgetBaseSize();
    try {
      for (let off = 0; off < bytes;) {
        const seconds = frameTime(buf, off) / 1000;
        const start = off + FRAME_HEADER_BYTES;
        off = start + payloadLength(buf, off);
        if (policy.shouldRollover(state, seconds, off - start, this)) {
          run.write(state, committed);
          policy.rollover(state, seconds, this);
          this.retain();
          // Saved at once: a thread that dies later in this batch must not leave a rotation
          // that the state does not know about.
          store.write(lockFd, state);
          dirty = false;
        }
        const target = policy.target(state, seconds, off - start, this);
        if (run.target !== target) {
          run.write(state, committed);
          run.target = target;
        }
        run.add(buf, start, off);
        if (target === null) this.out.grewBase(off - start);
      }
      run.write(state, committed);
    } finally {
      if (dirty || store.dirty) store.write(lockFd, state);
      store.dirty = false;
    }
  }

  /** Writes `data[0, len)` to the file a run targets: the base file (null) or a rotated one. */
  private writeRun(state: RotationState, target: string | null, data: Buffer, len: number): void {
    if (target === null) this.out.writeBase(state, data, len);
    else this.out.appendTo(target, data, len);
  }

  /**
   * CPython's shouldRollover(record), asked outside a write: whether a record of time `seconds` and
   * `bytes` bytes would rotate the base file first, by the state on disk now (without one: the state
   * a first record would make). Read under the lock; the state is not changed.
   */
  wouldRollover(seconds: number, bytes: number): boolean {
    return this.store.locked((lockFd) => {
      const onDisk = this.store.read(lockFd);
      const mine = this.options.policy;
      const policy =
        onDisk?.schedule !== undefined && onDisk.schedule !== mine.key ? policyFromKey(onDisk.schedule) : mine;
      return policy.shouldRollover(onDisk ?? mine.initialState(seconds, [], this), seconds, bytes, this);
    });
  }

  /** See compression.ts: gzips the rotated files queued in the state, off the write path. */
  compressRotated(force = false): void {
    this.compressor.compressRotated(force);
  }

  private retain(): void {
    this.retentionDue = false;
    retain(this.schedule.policy, this);
  }

  // The policies' file port (RotationFiles, see ports.ts), used only under the lock.

  rotationFilename(defaultName: string): string {
    return this.options.namer ? this.options.namer(defaultName) : defaultName;
  }

  rotate(source: string, dest: string): void {
    try {
      if (this.options.rotator) this.options.rotator(source, dest);
      else renameSync(source, dest);
    } catch (err) {
      throw new LogFileError('rotate', `${source} -> ${dest}`, err);
    }
    this.onEvent({ type: 'rotate', source, dest });
  }

  rename(source: string, dest: string): void {
    try {
      renameSync(source, dest);
    } catch (err) {
      throw new LogFileError('rotate', `${source} -> ${dest}`, err);
    }
  }

  /** Keeps both files' records: the base file's content goes after the existing target's. */
  mergeInto(source: string, dest: string): void {
    try {
      const data = readFileSync(source);
      this.out.appendTo(dest, data, data.length);
      unlinkSync(source);
    } catch (err) {
      if (err instanceof LogFileError) throw err;
      throw new LogFileError('merge', `${source} -> ${dest}`, err);
    }
    this.onEvent({ type: 'rotate', source, dest });
  }

  remove(path: string, reason: RemoveReason): void {
    // A folder named like a rotated file is not one: left alone, reported once, and the rest goes on.
    if (lstatOrNull(path)?.isDirectory()) {
      this.store.reportOnce(new UnsafeFileError(path, 'not a regular file'));
      return;
    }
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new LogFileError('delete', path, err);
      return;
    }
    this.onEvent({ type: 'remove', path, reason });
  }

  /** On disk, or about to be: the batch's current run is gathering records for it. */
  exists(path: string): boolean {
    return exists(path) || this.run.pendingFor(path) > 0;
  }

  trustedName(name: string): string {
    return this.out.trustedName(name);
  }

  replaceable(path: string): boolean {
    return this.out.replaceable(path);
  }

  listFolder(): string[] {
    return this.out.listFolder();
  }

  syncFolder(): void {
    this.out.syncFolder();
  }

  queueCompression(state: RotationState, path: string): void {
    this.compressor.queue(state, path);
  }

  baseSize(state: RotationState): number | null {
    return this.out.baseSize(state, this.run.pendingFor(null));
  }

  /** A file's size as this batch will leave it: on disk (if it exists yet) plus what is gathered for it. */
  fileSize(path: string): number | null {
    const st = lstatOrNull(path);
    const pending = this.run.pendingFor(path);
    if (st === null) return pending > 0 ? pending : null;
    return st.size + pending;
  }

  stateChanged(): void {
    this.store.dirty = true;
  }

  reopenBase(state: RotationState): void {
    if (!this.options.delay) this.out.baseFile(state);
  }

  closeBase(): void {
    this.out.closeBase();
  }
}
