import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
  readFileSync,
} from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { threadId } from 'node:worker_threads';
import { FileLock } from '../fs/filelock.js';
import { LogFileError, ScheduleConflictError, StateError, UnsafeFileError } from '../../errors.js';
import {
  NOFOLLOW,
  distrust,
  lstatOrNull,
  openCreating,
  openTrusted,
  statOrNull,
  trustedOrFree,
  writeFileSyncing,
} from '../fs/files.js';
import { FRAME_HEADER_BYTES, frameTime, payloadLength } from '../memory/frame.js';
import { policyFromKey } from './policy.js';
import type { AppenderOptions, RemoveReason, RotationEvent, RotationFiles, RotationPolicy } from './ports.js';
import { readStateAt, type RotationState } from './state.js';
import { WRITER_REFRESH_S, isAlive, isLive, isSelf, joined, writersOf } from './writers.js';

/** How far before a period an mtime must be to count as before it (see baseWrittenBefore). */
const MTIME_SLACK_MS = 500;
/** Passes of compressRotated when names moved under the previous one. */
const COMPRESS_PASSES = 4;

/** Read-write so that sealTornTail can read a file's last byte back; every write appends. */
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;
const NEWLINE = Buffer.from('\n');

/**
 * Appends records to the base file and its rotated siblings under the cross-process file lock,
 * rotating exactly once per period however many processes race for it. Every decision is made from
 * the state in the lock file and each record's own time, so a record lands in its own period's file.
 */
export class FileAppender implements RotationFiles {
  readonly options: AppenderOptions;
  readonly lock: FileLock;
  private baseFd = -1;
  private baseGen = -1;
  /**
   * Bytes in the base file: its fstat size when first asked in this batch, plus the records this
   * batch has queued for it since; -1 when not known (a new batch, or the base file reopened).
   */
  private baseBytes = -1;
  /** Retention runs once at start (the first time the lock is held), then after each rotation. */
  private retentionDue = true;
  /** Set by the policy when it changed the state outside a rotation (see `stateChanged`). */
  private stateDirty = false;
  /** The policy rotation follows: ours, or that of live writers who were there first. */
  private policy: RotationPolicy;
  /** The schedule conflict last reported, so it is reported once, not once per batch. */
  private reportedConflict: string | null = null;
  /** State problems and untrusted files already reported (by kind and path): once each, not once per batch. */
  private readonly reported = new Set<string>();
  /** Where this log's rotated files may be: its folder, and the folder its namer puts them in. */
  private readonly folders: ReadonlySet<string>;
  /** Reused for reading the state; grown to the state file's size, so the state has no cap. */
  private stateBuf: Buffer = Buffer.allocUnsafe(64 * 1024);
  /** The last byte of a file, read back by sealTornTail. */
  private readonly lastByte = Buffer.alloc(1);
  /** The batch being written, one run of frames per target file (kept: its buffer is reused). */
  private readonly run = new Run(this);
  /** Whether rotated files may be waiting for compression (always checked once at start). */
  private compressPending = true;
  /** Set by the first reconcile: this appender has opened the file (CPython's __init__). */
  private opened = false;

  /**
   * `onConflict` hears of a live writer of this file with another schedule, and of everything else
   * found on disk and not acted on (an unusable state, a file not trusted): never silent.
   */
  private readonly onConflict: (err: Error) => void;

  /** Hears of each rotation and deletion, in the thread that made it (the handler's 'rotate' and 'remove' events). */
  private readonly onEvent: (e: RotationEvent) => void;

  /** CPython's assignable `namer` and `rotator`: used from the next rotation on. */
  setHooks(hooks: Pick<AppenderOptions, 'namer' | 'rotator'>): void {
    this.options.namer = hooks.namer;
    this.options.rotator = hooks.rotator;
  }

  constructor(
    options: AppenderOptions,
    onConflict: (err: Error) => void,
    onEvent: (e: RotationEvent) => void = () => {},
  ) {
    this.options = options;
    this.onEvent = onEvent;
    this.policy = options.policy;
    this.onConflict = onConflict;
    this.lock = new FileLock(options.lockFile, options.mkdir, options.mode);
    const dir = dirname(options.filename);
    let namerDir = dir;
    try {
      namerDir = dirname(this.rotationFilename(`${options.filename}.2026-01-01`));
    } catch {
      // A namer that throws is reported where it is used.
    }
    this.folders = new Set([dir, namerDir]);
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

  /**
   * Opens the base file now if `delay` is false (CPython opens it in the constructor), recording the
   * state it opened it under, so that every process and every later drain agree on its period.
   */
  openEagerly(nowMs: number): void {
    if (this.options.delay) return;
    const lockFd = this.acquire();
    try {
      this.checkBase();
      const { state, changed } = this.reconcile(this.readState(lockFd), nowMs / 1000);
      if (changed) this.writeState(lockFd, state);
      this.baseFile(state);
      this.retain();
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

  private appendLocked(buf: Buffer, bytes: number, committed: (end: number) => void, lockFd: number): void {
    this.checkBase();
    const onDisk = this.readState(lockFd);
    // A new state's "now": CPython computes it when the handler is made; with delay, when the first
    // record comes (so records stamped with explicit times start the schedule where they are).
    const nowMs = this.options.delay ? frameTime(buf, 0) : this.options.openedAt;
    const { state, changed } = this.reconcile(onDisk, nowMs / 1000);
    let dirty = changed;
    const run = this.run;
    const { policy } = this;
    if (this.retentionDue) this.retain();
    // A batch that failed part-way left its unwritten run behind: it is still in the ring and
    // comes back whole in the next batch, so it is dropped here, never written twice.
    run.reset();
    // Other processes may have written since our last batch: the size is read again when asked.
    this.baseBytes = -1;
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
          this.writeState(lockFd, state);
          dirty = false;
        }
        const target = policy.target(state, seconds, off - start, this);
        if (run.target !== target) {
          run.write(state, committed);
          run.target = target;
        }
        run.add(buf, start, off);
        if (target === null && this.baseBytes >= 0) this.baseBytes += off - start;
      }
      run.write(state, committed);
    } finally {
      if (dirty || this.stateDirty) this.writeState(lockFd, state);
      this.stateDirty = false;
    }
  }

  /** Writes `data[0, len)` to the file a run targets: the base file (null) or a rotated one. */
  writeRun(state: RotationState, target: string | null, data: Buffer, len: number): void {
    if (target === null) {
      const fd = this.baseFile(state);
      this.sealTornTail(fd, this.options.filename);
      this.writeAll(fd, this.options.filename, data, len);
    } else this.appendTo(target, data, len);
  }

  /**
   * CPython's shouldRollover(record), asked outside a write: whether a record of time `seconds` and
   * `bytes` bytes would rotate the base file first, by the state on disk now (without one: the state
   * a first record would make). Read under the lock; the state is not changed.
   */
  wouldRollover(seconds: number, bytes: number): boolean {
    const lockFd = this.acquire();
    try {
      const onDisk = this.readState(lockFd);
      const mine = this.options.policy;
      const policy =
        onDisk?.schedule !== undefined && onDisk.schedule !== mine.key ? policyFromKey(onDisk.schedule) : mine;
      return policy.shouldRollover(onDisk ?? mine.initialState(seconds, [], this), seconds, bytes, this);
    } finally {
      this.lock.release();
    }
  }

  /**
   * The state to rotate by, from the one on disk. None: a new one, as CPython's __init__ computes
   * it. One computed for another schedule: if no process that joined with it is alive, this is a
   * restart with a new configuration and our schedule takes over at once, from the base file's
   * mtime as CPython would; if one is alive, we follow its schedule (so no file is misnamed) and
   * report the conflict once.
   */
  private reconcile(state: RotationState | null, nowSeconds: number): { state: RotationState; changed: boolean } {
    const mine = this.options.policy;
    const opening = !this.opened && state?.opening !== this.options.openId;
    this.opened = true;
    const now = Date.now() / 1000;
    if (state === null) {
      this.policy = mine;
      return {
        state: joined({ ...mine.initialState(nowSeconds, [], this), opening: this.options.openId }, [], now),
        changed: true,
      };
    }
    const procs = writersOf(state);
    if (state.schedule === undefined || state.schedule === mine.key) {
      this.policy = mine;
      state.schedule = mine.key;
      const me = procs.find(isSelf);
      const others = procs.filter((w) => !isSelf(w) && isLive(w, now));
      // A handler opening with nobody else writing is CPython's __init__: the first rollover
      // counts from the base file's mtime. Only a base file last written before the state's period
      // (an mtime set back, a file put back) changes it, so it is rotated to its own period's name
      // instead of being appended to.
      let changed = false;
      if (opening) {
        state.opening = this.options.openId;
        changed = true;
      }
      if (opening && others.length === 0 && this.baseWrittenBefore(state.start)) {
        const fresh = mine.initialState(nowSeconds, state.history, this);
        if (fresh.rolloverAt < state.rolloverAt) {
          state.rolloverAt = fresh.rolloverAt;
          state.start = fresh.start;
          delete state.parts;
          changed = true;
        }
      }
      if (me !== undefined && now - me.seen < WRITER_REFRESH_S) return { state, changed };
      return { state: joined(state, others, now), changed: true };
    }
    const others = procs.filter((w) => !isSelf(w) && isLive(w, now));
    if (others.length === 0) {
      this.policy = mine;
      // The history and its rotation count carry over, so followers keep their place.
      return {
        state: joined({ ...mine.initialState(nowSeconds, state.history, this), seq: state.seq }, [], now),
        changed: true,
      };
    }
    if (this.policy.key !== state.schedule) this.policy = policyFromKey(state.schedule);
    if (this.reportedConflict !== state.schedule) {
      this.reportedConflict = state.schedule;
      this.onConflict(
        new ScheduleConflictError(
          this.options.filename,
          state.schedule,
          mine.key,
          others.map((w) => w.pid),
        ),
      );
    }
    return { state, changed: false };
  }

  /**
   * Whether the base file's mtime is before `start` (epoch seconds) by more than the file system's
   * clock can lag: it stamps mtimes with a coarse clock, up to a tick behind Date.now().
   */
  private baseWrittenBefore(start: number): boolean {
    const st = statOrNull(this.options.filename);
    return st !== null && st.isFile() && st.mtimeMs < start * 1000 - MTIME_SLACK_MS;
  }

  /**
   * maxAge and maxTotalSize, under the lock, over this base file's rotated files (compressed or
   * not, from this run or earlier ones; never the base file, never another base's files): first
   * those older than maxAge, dated by their name's period or their mtime; then the oldest while
   * the rest total more than maxTotalSize.
   */
  private retain(): void {
    this.retentionDue = false;
    const { maxAge, maxTotalSize, filename } = this.options;
    if (maxAge <= 0 && maxTotalSize <= 0) return;
    // No folder yet (delay, or made on the first write): nothing to delete, not an error.
    if (statOrNull(dirname(filename)) === null) return;
    const found: Array<{ path: string; size: number; time: number; order: number }> = [];
    for (const f of this.policy.rotatedFiles(this.listFolder(), this)) {
      // The entry itself: a symbolic link named like a rotated file is neither counted nor followed.
      const st = f.path === filename ? null : lstatOrNull(f.path);
      if (st?.isFile()) found.push({ path: f.path, size: st.size, time: f.time ?? st.mtimeMs / 1000, order: f.order });
    }
    found.sort((a, b) => a.time - b.time || a.order - b.order);
    const oldest = Date.now() / 1000 - maxAge / 1000;
    let total = found.reduce((sum, f) => sum + f.size, 0);
    for (const f of found) {
      const tooOld = maxAge > 0 && f.time < oldest;
      if (!tooOld && (maxTotalSize <= 0 || total <= maxTotalSize)) continue;
      this.remove(f.path, tooOld ? 'maxAge' : 'maxTotalSize');
      total -= f.size;
    }
  }

  /**
   * The base file deleted or renamed away by someone else (a cleanup script, a logrotate rule):
   * our descriptor would write to a file nobody sees, so we reopen. CPython's WatchedFileHandler
   * check, made once per batch under the lock instead of once per record.
   */
  private checkBase(): void {
    if (this.baseFd < 0) return;
    const atPath = statOrNull(this.options.filename);
    const held = fstatSync(this.baseFd);
    if (atPath === null || atPath.ino !== held.ino || atPath.dev !== held.dev) this.closeBase();
  }

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
      this.appendTo(dest, data, data.length);
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
      this.reportOnce(new UnsafeFileError(path, 'not a regular file'));
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

  /**
   * `name` if the handler may write into it: nothing there, or a regular file of ours (with
   * `compress`, its `.gz` too). Otherwise (a symbolic link, a folder, another user's file planted
   * at a name the handler will use) the first such `<name>.<n>`, reported once: what is at a
   * rotated name is never written through, and the log carries on under a name of its series.
   */
  trustedName(name: string): string {
    const usable = (p: string) => trustedOrFree(p) && (!this.options.compress || trustedOrFree(`${p}.gz`));
    if (usable(name)) return name;
    let n = 1;
    while (!usable(`${name}.${n}`)) n++;
    const instead = `${name}.${n}`;
    const bad = [name, `${name}.gz`].find((p) => !trustedOrFree(p))!;
    this.reportOnce(new UnsafeFileError(bad, distrust(lstatOrNull(bad)!) ?? 'replaced', instead));
    return instead;
  }

  /** Whether a rename may replace what is at `path`: nothing, or anything but a folder (rename never follows a link). */
  replaceable(path: string): boolean {
    const st = lstatOrNull(path);
    if (st === null || !st.isDirectory()) return true;
    this.reportOnce(new UnsafeFileError(path, 'not a regular file'));
    return false;
  }

  /** Reports `err` the first time this appender meets it (the same message: the same path, reason and detail). */
  private reportOnce(err: UnsafeFileError | StateError): void {
    const key = err.message;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onConflict(err);
  }

  listFolder(): string[] {
    const dir = dirname(this.options.filename);
    try {
      return readdirSync(dir);
    } catch (err) {
      throw new LogFileError('list', dir, err);
    }
  }

  queueCompression(state: RotationState, path: string): void {
    if (!this.options.compress) return;
    (state.compress ??= []).push(path);
    this.compressPending = true;
  }

  baseSize(state: RotationState): number | null {
    if (this.baseBytes < 0) {
      const st = fstatSync(this.baseFile(state));
      if (!st.isFile()) return null;
      // Records already gathered for the base file in this batch count as written.
      this.baseBytes = st.size + this.run.pendingFor(null);
    }
    return this.baseBytes;
  }

  /** A file's size as this batch will leave it: on disk (if it exists yet) plus what is gathered for it. */
  fileSize(path: string): number | null {
    const st = lstatOrNull(path);
    const pending = this.run.pendingFor(path);
    if (st === null) return pending > 0 ? pending : null;
    return st.size + pending;
  }

  stateChanged(): void {
    this.stateDirty = true;
  }

  reopenBase(state: RotationState): void {
    if (!this.options.delay) this.baseFile(state);
  }

  private baseFile(state: RotationState): number {
    if (this.baseFd >= 0 && this.baseGen === state.gen) return this.baseFd;
    this.closeBase();
    try {
      this.baseFd = openCreating(this.options.filename, APPEND_FLAGS, this.options.mode, this.options.mkdir);
    } catch (err) {
      throw new LogFileError('open', this.options.filename, err);
    }
    this.baseGen = state.gen;
    return this.baseFd;
  }

  closeBase(): void {
    this.baseBytes = -1;
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
   * the lock into `<name>.gz.<pid>-<thread>.tmp` (its own, as another process may be compressing
   * the same file), then, under the lock and only if the name still holds the file that was read
   * (no late record grew it, no rotation by size moved it), renamed to `<name>.gz` and the plain
   * file removed. A crash at any point leaves the plain file (and maybe a stray .tmp), never a
   * half-written .gz alone. Rotation by size renames files while they are read: a pass that finds
   * them moved is followed by another, a few times, so that closing leaves nothing uncompressed.
   */
  compressRotated(force = false): void {
    // Closing forces a look at the state: rotations made by the process's flusher thread are not
    // known to this thread's appender, and the flusher may be gone before it compresses them.
    if (force) this.compressPending = true;
    for (let pass = 0; pass < COMPRESS_PASSES && this.options.compress && this.compressPending; pass++)
      this.compressPass();
  }

  private compressPass(): void {
    this.compressPending = false;
    // The newest `compressDelay` entries wait (the list is oldest first): a later rotation releases them.
    const pending = this.withState((state) =>
      (state?.compress ?? []).slice(0, Math.max(0, (state?.compress?.length ?? 0) - this.options.compressDelay)),
    );
    for (const plain of pending) {
      let data: Buffer;
      let ino: number;
      try {
        ({ data, ino } = readIdentified(plain));
      } catch (err) {
        if (err instanceof UnsafeFileError) this.reportOnce(err);
        else if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new LogFileError('read for compression', plain, err);
        // Read outside the lock: a rotation by size may have been between two of its renames
        // (base.k moved on, base.k-1 not yet in its place). Forgotten only if still absent under
        // the lock; else the file shifted in since, whose queue entry now has this name, is kept.
        this.withState((state) => {
          if (err instanceof UnsafeFileError || !exists(plain)) this.forgetCompressed(state, plain);
          else this.compressPending = true;
        });
        continue;
      }
      const gz = plain + '.gz';
      const tmp = `${gz}.${process.pid}-${threadId}.tmp`;
      try {
        writeFileSyncing(tmp, gzipSync(data), this.options.mode, this.options.fsync);
      } catch (err) {
        throw new LogFileError('compress', plain, err);
      }
      const done = this.withState((state) => {
        // Rotation by size renames rotated files (base.1 -> base.2): the queue follows them, and
        // anything queued meanwhile is left for the next pass.
        if ((state?.compress ?? []).some((p) => !pending.includes(p))) this.compressPending = true;
        const st = lstatOrNull(plain);
        const size = st?.size ?? -1;
        // Same size is not enough: the name may now be another file, shifted in since we read it.
        if (size !== data.length || st!.ino !== ino) {
          unlinkQuiet(tmp);
          if (size < 0) this.forgetCompressed(state, plain);
          return size < 0;
        }
        try {
          // An existing .gz (a period rotated twice) keeps its members: the new one goes after them.
          // One we did not make (a link to a file we may read and others may not) is never read:
          // the plain file stays as it is, reported.
          if (exists(gz)) {
            let members: Buffer;
            try {
              members = readIdentified(gz).data;
            } catch (err) {
              if (!(err instanceof UnsafeFileError)) throw err;
              unlinkQuiet(tmp);
              this.reportOnce(new UnsafeFileError(gz, err.reason));
              this.forgetCompressed(state, plain);
              return true;
            }
            writeFileSyncing(tmp, Buffer.concat([members, readFileSync(tmp)]), this.options.mode, this.options.fsync);
          }
          renameSync(tmp, gz);
          unlinkSync(plain);
          this.syncFolder();
        } catch (err) {
          throw new LogFileError('compress', plain, err);
        }
        this.forgetCompressed(state, plain);
        return true;
      });
      if (!done) this.compressPending = true;
    }
    this.withState(() => this.removeStrayTemps());
  }

  /**
   * Under the lock: the .tmp files of compressions that can no longer finish, because their plain
   * file is gone (a .tmp is renamed into place only while its plain file is there, under the lock)
   * or their process is dead — what a thread killed mid-compression (process.exit) leaves.
   * `<name>.gz.tmp` is the name before 0.2.
   */
  private removeStrayTemps(): void {
    const dir = dirname(this.options.filename);
    const stem = basename(this.options.filename);
    for (const name of this.listFolder()) {
      const m = /^(.+)\.gz(?:\.(\d+)-\d+)?\.tmp$/.exec(name);
      if (!m || !name.startsWith(stem)) continue;
      if (!exists(join(dir, m[1]!)) || m[2] === undefined || !isAlive(Number(m[2]))) unlinkQuiet(join(dir, name));
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

  private appendTo(name: string, data: Buffer, len: number): void {
    const path = this.trustedName(name);
    if (this.options.compress && !exists(path) && exists(path + '.gz')) {
      // A late record for a period already compressed: a gzip file may hold several members.
      const member = gzipSync(data.subarray(0, len));
      this.appendPlain(path + '.gz', member, member.length, false);
      return;
    }
    this.appendPlain(path, data, len, true);
  }

  /** Appends to `path`; `lines`: the file holds log lines (not gzip members), see sealTornTail. */
  private appendPlain(path: string, data: Buffer, len: number, lines = false): void {
    let fd: number;
    try {
      fd = openTrusted(path, APPEND_FLAGS, this.options.mode, this.options.mkdir);
    } catch (err) {
      if (err instanceof UnsafeFileError) throw err;
      throw new LogFileError('open', path, err);
    }
    try {
      if (lines) this.sealTornTail(fd, path);
      this.writeAll(fd, path, data, len);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A process killed inside write() can leave a file ending in part of a record: Linux returns a
   * short write to a process with a fatal signal pending, and nobody is left to cut it back. Records
   * are whole lines, so a file that does not end in '\n' ends in such a fragment; it is closed with
   * '\n' before we append, so our next record starts a line of its own instead of being glued to
   * the fragment (and lost with it). Two syscalls per run, under the lock.
   */
  private sealTornTail(fd: number, path: string): void {
    let size: number;
    try {
      size = fstatSync(fd).size;
      if (size === 0 || readSync(fd, this.lastByte, 0, 1, size - 1) !== 1 || this.lastByte[0] === NEWLINE[0]) return;
    } catch {
      // Not a regular file we can read back (a device, a FIFO): nothing to seal.
      return;
    }
    this.writeAll(fd, path, NEWLINE, 1);
  }

  /**
   * One write() for the whole run. If it fails part-way (disk full), the bytes it did write are cut
   * off again, so the file never ends in a torn record and the run can be retried whole.
   */
  private writeAll(fd: number, path: string, data: Buffer, len: number): void {
    let written = 0;
    let op = 'write';
    try {
      while (written < len) written += writeSync(fd, data, written, len - written);
      // Durable mode: the run is on stable storage before the caller frees it from the ring (group
      // commit: one sync per run, a run being a batch's records for one file).
      op = 'sync';
      if (this.options.fsync) fdatasyncSync(fd);
    } catch (err) {
      if (written > 0) {
        try {
          // A failed sync leaves the run's durability unknown: it is cut off like a partial write
          // and retried whole, rather than kept and written a second time.
          ftruncateSync(fd, fstatSync(fd).size - written);
        } catch {
          // The truncate failing too leaves a torn tail; the error below is still reported.
        }
      }
      throw new LogFileError(op, path, err);
    }
  }

  /** Durable mode: makes a rename or unlink in the log's folder survive a crash. */
  syncFolder(): void {
    if (!this.options.fsync) return;
    const dir = dirname(this.options.filename);
    try {
      const fd = openSync(dir, constants.O_RDONLY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new LogFileError('sync', dir, err);
    }
  }

  private readState(lockFd: number): RotationState | null {
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
    this.stateDirty = true;
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

/** Whether anything is at the name (a dangling symbolic link too: the name is taken). */
function exists(path: string): boolean {
  return lstatOrNull(path) !== null;
}

/**
 * A rotated file's content and inode, read through one descriptor so both are of the same file,
 * and only from a file we trust (UnsafeFileError otherwise): never through a link.
 */
function readIdentified(path: string): { data: Buffer; ino: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeFileError(path, 'symlink');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const reason = distrust(st);
    if (reason !== null) throw new UnsafeFileError(path, reason);
    const { ino } = st;
    return { data: readFileSync(fd), ino };
  } finally {
    closeSync(fd);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * CPython opens the base file in its constructor (delay false), so a file that cannot be opened
 * (EACCES, EROFS, a folder...) raises there, and so does a lock file that is refused here. Both
 * are opened and closed again: the thread that writes opens them for good.
 */
export function checkOpens(options: Pick<AppenderOptions, 'filename' | 'lockFile' | 'mode' | 'mkdir'>): void {
  const { filename, lockFile, mode, mkdir } = options;
  try {
    closeSync(openCreating(filename, APPEND_FLAGS, mode, mkdir));
  } catch (err) {
    throw new LogFileError('open', filename, err);
  }
  const lock = new FileLock(lockFile, mkdir, mode);
  try {
    void lock.descriptor;
  } catch (err) {
    if (err instanceof UnsafeFileError) throw err;
    throw new LogFileError('open', lockFile, err);
  } finally {
    lock.close();
  }
}

function grow(buf: Buffer, keep: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
  buf.copy(next, 0, 0, keep);
  return next;
}

/** Consecutive frames bound for one file, gathered to be written with one write(). */
class Run {
  /** Where the frames go: null for the base file, else a rotated file's path. */
  target: string | null = null;
  private out: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  /** Offset in the batch just past the run's last frame. */
  private end = 0;
  private readonly appender: FileAppender;

  constructor(appender: FileAppender) {
    this.appender = appender;
  }

  reset(): void {
    this.target = null;
    this.len = 0;
  }

  /** Bytes gathered and not yet written for `target`. */
  pendingFor(target: string | null): number {
    return this.target === target ? this.len : 0;
  }

  add(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.len + n > this.out.length) this.out = grow(this.out, this.len, this.len + n);
    buf.copy(this.out, this.len, start, end);
    this.len += n;
    this.end = end;
  }

  /** Writes what was gathered and tells `committed` where the batch is on disk up to. */
  write(state: RotationState, committed: (end: number) => void): void {
    if (this.len === 0) return;
    this.appender.writeRun(state, this.target, this.out, this.len);
    committed(this.end);
    this.len = 0;
  }
}
