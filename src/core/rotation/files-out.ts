// How a run of records reaches a file, under the lock: the base file's descriptor (kept open across
// batches, reopened when the base file moved) and its size as the batch will leave it; appends to
// rotated files, only at a name the handler may write through (trustedName); one write() per run, cut back if it fails part-way, after
// sealing a tail a killed process tore; and in durable mode, the syncs. Kept apart from the
// decisions (appender.ts, the policies) so that what a write may leave on disk is read in one place.
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
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileLock } from '../fs/filelock.js';
import { LogFileError, UnsafeFileError } from '../../errors.js';
import { distrust, exists, lstatOrNull, openCreating, openTrusted, statOrNull, trustedOrFree } from '../fs/files.js';
import type { AppenderOptions } from './ports.js';
import type { RotationState } from './state.js';

/** Read-write so that sealTornTail can read a file's last byte back; every write appends. */
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;
const NEWLINE = Buffer.from('\n');

export class FilesOut {
  private readonly options: AppenderOptions;
  private baseFd = -1;
  private baseGen = -1;
  /**
   * Bytes in the base file: its fstat size when first asked in this batch, plus the records this
   * batch has queued for it since; -1 when not known (a new batch, or the base file reopened).
   */
  private baseBytes = -1;
  /** The last byte of a file, read back by sealTornTail. */
  private readonly lastByte = Buffer.alloc(1);
  private readonly report: (err: UnsafeFileError) => void;

  /** `report` hears once of each file found where one of ours should be and not written through. */
  constructor(options: AppenderOptions, report: (err: UnsafeFileError) => void) {
    this.options = options;
    this.report = report;
  }

  /** Writes `data[0, len)` to the base file, opened for `state`'s period. */
  writeBase(state: RotationState, data: Buffer, len: number): void {
    const fd = this.baseFile(state);
    this.sealTornTail(fd, this.options.filename);
    this.writeAll(fd, this.options.filename, data, len);
  }

  /** A new batch: other processes may have written since our last one, so the size is read again when asked. */
  forgetBaseSize(): void {
    this.baseBytes = -1;
  }

  /** Bytes in the base file, `pending` (gathered for it and not yet written) counted as written; null if not a regular file. */
  baseSize(state: RotationState, pending: number): number | null {
    if (this.baseBytes < 0) {
      const st = fstatSync(this.baseFile(state));
      if (!st.isFile()) return null;
      // Records already gathered for the base file in this batch count as written.
      this.baseBytes = st.size + pending;
    }
    return this.baseBytes;
  }

  /** `bytes` more were gathered for the base file (counted only once its size is known). */
  grewBase(bytes: number): void {
    if (this.baseBytes >= 0) this.baseBytes += bytes;
  }

  /**
   * The base file deleted or renamed away by someone else (a cleanup script, a logrotate rule):
   * our descriptor would write to a file nobody sees, so we reopen. CPython's WatchedFileHandler
   * check, made once per batch under the lock instead of once per record.
   */
  checkBase(): void {
    if (this.baseFd < 0) return;
    const atPath = statOrNull(this.options.filename);
    const held = fstatSync(this.baseFd);
    if (atPath === null || atPath.ino !== held.ino || atPath.dev !== held.dev) this.closeBase();
  }

  baseFile(state: RotationState): number {
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

  close(): void {
    if (this.baseFd >= 0) {
      closeSync(this.baseFd);
      this.baseFd = -1;
    }
  }

  /** Appends a run to a rotated file: the name made safe to write (trustedName), its .gz if already compressed. */
  appendTo(name: string, data: Buffer, len: number): void {
    const path = this.trustedName(name);
    if (this.options.compress && !exists(path) && exists(path + '.gz')) {
      // A late record for a period already compressed: a gzip file may hold several members.
      const member = gzipSync(data.subarray(0, len));
      this.appendPlain(path + '.gz', member, member.length, false);
      return;
    }
    this.appendPlain(path, data, len, true);
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
    this.report(new UnsafeFileError(bad, distrust(lstatOrNull(bad)!) ?? 'replaced', instead));
    return instead;
  }

  /** Whether a rename may replace what is at `path`: nothing, or anything but a folder (rename never follows a link). */
  replaceable(path: string): boolean {
    const st = lstatOrNull(path);
    if (st === null || !st.isDirectory()) return true;
    this.report(new UnsafeFileError(path, 'not a regular file'));
    return false;
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

  /** The names in the base file's folder. */
  listFolder(): string[] {
    const dir = dirname(this.options.filename);
    try {
      return readdirSync(dir);
    } catch (err) {
      throw new LogFileError('list', dir, err);
    }
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
