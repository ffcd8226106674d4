import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { UnsafeFileError } from '../../errors.js';
import { dirname } from 'node:path';

/**
 * `open(2)` that, with `mkdir`, creates the missing folders of `path` and tries once more: the
 * folder may be missing at start (no `mkdir -p logs` beforehand) or removed while running (a cleanup
 * script), and log4js, winston-daily-rotate-file and pino's `mkdir: true` all create it.
 */
export function openCreating(path: string, flags: number, mode: number, mkdir: boolean): number {
  try {
    return openSync(path, flags, mode);
  } catch (err) {
    if (!mkdir || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, flags, mode);
}

export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The entry itself, a symbolic link not followed. */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Whether anything is at the name (a dangling symbolic link too: the name is taken). */
export function exists(path: string): boolean {
  return lstatOrNull(path) !== null;
}

/**
 * Why a file the handler writes through (its lock file, a rotated file) is not one it may trust,
 * or null: it must be a regular file with one name (a hard link could be anything the attacker
 * can name, e.g. another user's file when fs.protected_hardlinks is off) owned by us or by root
 * (Windows has no uid: its owner is not checked). logrotate likewise opens logs with O_NOFOLLOW
 * and will not work in a folder others can write to unless told whose files to expect.
 */
export function distrust(st: Stats): string | null {
  if (st.isSymbolicLink()) return 'symlink';
  if (!st.isFile()) return 'not a regular file';
  if (st.nlink > 1) return 'hard-linked';
  const euid = process.geteuid?.();
  if (euid !== undefined && st.uid !== euid && st.uid !== 0) return `owned by uid ${st.uid}`;
  return null;
}

/** O_NOFOLLOW where the platform has it: a symbolic link at the last component fails with ELOOP. */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Opens a file the handler writes through, creating it if missing, never through a symbolic link
 * and never one `distrust` refuses (UnsafeFileError); the descriptor is checked, not the name, so
 * nothing can be swapped in between.
 */
export function openTrusted(path: string, flags: number, mode: number, mkdir: boolean): number {
  let fd: number;
  try {
    fd = openCreating(path, flags | NOFOLLOW | constants.O_NONBLOCK, mode, mkdir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeFileError(path, 'symlink');
    throw err;
  }
  const reason = distrust(fstatSync(fd));
  if (reason !== null) {
    closeSync(fd);
    throw new UnsafeFileError(path, reason);
  }
  return fd;
}

/** Whether `path` may be written through, or is free: an existing entry `distrust` refuses is not. */
export function trustedOrFree(path: string): boolean {
  const st = lstatOrNull(path);
  return st === null || distrust(st) === null;
}

/** writeFileSync, and with `sync` on stable storage before it returns (durable mode). */
export function writeFileSyncing(path: string, data: Uint8Array, mode: number, sync: boolean): void {
  // A new file of our own: whatever is at the name (a stale temp, or a link planted there) goes first,
  // and O_EXCL never follows a link planted in between.
  try {
    unlinkSync(path);
  } catch {
    // Nothing there.
  }
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode);
  try {
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    if (sync) fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
