// gzip of rotated files, off the write path: a rotation only queues the file in the state (under
// the lock, cheap), and the compressing is done later without the lock, so no writer of any
// process waits for gzip. The queue lives in the shared state, so whichever process gets to it
// first compresses a file, and a crash anywhere leaves the plain file, never half a .gz.
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { LogFileError, UnsafeFileError } from '../../errors.js';
import { NOFOLLOW, distrust, exists, lstatOrNull, writeFileSyncing } from '../fs/files.js';
import type { AppenderOptions } from './ports.js';
import type { RotationState } from './state.js';
import type { StateStore } from './store.js';
import { isAlive } from './writers.js';

/** Passes of compressRotated when names moved under the previous one. */
const COMPRESS_PASSES = 4;

/** What the compressor needs of the folder: its listing, and in durable mode its sync after a rename. */
interface Folder {
  listFolder(): string[];
  syncFolder(): void;
}

export class Compressor {
  /** Whether rotated files may be waiting for compression (always checked once at start). */
  private pending = true;
  private readonly options: AppenderOptions;
  private readonly store: StateStore;
  private readonly folder: Folder;

  constructor(options: AppenderOptions, store: StateStore, folder: Folder) {
    this.options = options;
    this.store = store;
    this.folder = folder;
  }

  /** Under the lock, at a rotation: with `compress`, `path` is to be gzipped later. */
  queue(state: RotationState, path: string): void {
    if (!this.options.compress) return;
    (state.compress ??= []).push(path);
    this.pending = true;
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
    if (force) this.pending = true;
    for (let pass = 0; pass < COMPRESS_PASSES && this.options.compress && this.pending; pass++) this.compressPass();
  }

  private compressPass(): void {
    this.pending = false;
    const { store } = this;
    // The newest `compressDelay` entries wait (the list is oldest first): a later rotation releases them.
    const pending = store.withState((state) =>
      (state?.compress ?? []).slice(0, Math.max(0, (state?.compress?.length ?? 0) - this.options.compressDelay)),
    );
    for (const plain of pending) {
      let data: Buffer;
      let ino: number;
      try {
        ({ data, ino } = readIdentified(plain));
      } catch (err) {
        if (err instanceof UnsafeFileError) store.reportOnce(err);
        else if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new LogFileError('read for compression', plain, err);
        // Read outside the lock: a rotation by size may have been between two of its renames
        // (base.k moved on, base.k-1 not yet in its place). Forgotten only if still absent under
        // the lock; else the file shifted in since, whose queue entry now has this name, is kept.
        store.withState((state) => {
          if (err instanceof UnsafeFileError || !exists(plain)) forgetCompressed(state, plain);
          else this.pending = true;
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
      const done = store.withState((state) => {
        // Rotation by size renames rotated files (base.1 -> base.2): the queue follows them, and
        // anything queued meanwhile is left for the next pass.
        if ((state?.compress ?? []).some((p) => !pending.includes(p))) this.pending = true;
        const st = lstatOrNull(plain);
        const size = st?.size ?? -1;
        // Same size is not enough: the name may now be another file, shifted in since we read it.
        if (size !== data.length || st!.ino !== ino) {
          unlinkQuiet(tmp);
          if (size < 0) forgetCompressed(state, plain);
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
              store.reportOnce(new UnsafeFileError(gz, err.reason));
              forgetCompressed(state, plain);
              return true;
            }
            writeFileSyncing(tmp, Buffer.concat([members, readFileSync(tmp)]), this.options.mode, this.options.fsync);
          }
          renameSync(tmp, gz);
          unlinkSync(plain);
          this.folder.syncFolder();
        } catch (err) {
          throw new LogFileError('compress', plain, err);
        }
        forgetCompressed(state, plain);
        return true;
      });
      if (!done) this.pending = true;
    }
    store.withState(() => this.removeStrayTemps());
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
    for (const name of this.folder.listFolder()) {
      const m = /^(.+)\.gz(?:\.(\d+)-\d+)?\.tmp$/.exec(name);
      if (!m || !name.startsWith(stem)) continue;
      if (!exists(join(dir, m[1]!)) || m[2] === undefined || !isAlive(Number(m[2]))) unlinkQuiet(join(dir, name));
    }
  }
}

function forgetCompressed(state: RotationState | null, plain: string): void {
  if (state?.compress) state.compress = state.compress.filter((p) => p !== plain);
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
