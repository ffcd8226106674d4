// What the rotation pieces say to each other: the file operations a policy may use (provided by the
// appender under the lock), the policy's own interface, the appender's options and its events.
// Types only, so that the policies, the appender and the state import no circle.
import type { RotationState } from './state.js';

/** The file operations a policy may use, provided by the appender while it holds the lock. */
export interface RotationFiles {
  readonly options: AppenderOptions;
  /** CPython's `rotation_filename`: the namer's name for a default rotated name. */
  rotationFilename(defaultName: string): string;
  /**
   * Bytes in the base file now, from fstat of the open base descriptor plus what the current
   * batch has queued for it; null if the base path is not a regular file (never rotated).
   */
  baseSize(state: RotationState): number | null;
  /** Bytes in a rotated file, counting what the batch has queued for it; null if it is not there as a plain file. */
  fileSize(path: string): number | null;
  /** The policy changed the state outside a rotation: it is saved with the batch. */
  stateChanged(): void;
  closeBase(): void;
  /** CPython's `if not self.delay: self.stream = self._open()` at the end of doRollover. */
  reopenBase(state: RotationState): void;
  /** CPython's `rotate()`: the rotator, else a rename. */
  rotate(source: string, dest: string): void;
  /** A rename of a rotated file to another rotated name (CPython's `os.rename` in doRollover). */
  rename(source: string, dest: string): void;
  /** Appends `source` to `dest` and removes `source`: rotation into a name that exists keeps both. */
  mergeInto(source: string, dest: string): void;
  /** Unlinks `path` (a file already gone is not an error) and reports a 'remove' event with `reason`. */
  remove(path: string, reason: RemoveReason): void;
  exists(path: string): boolean;
  /** `name`, or when what is there may not be written through (a link, a folder, another user's file) the next free `<name>.<n>`, reported. */
  trustedName(name: string): string;
  /** Whether a rename may replace what is at `path` (anything but a folder, which is reported). */
  replaceable(path: string): boolean;
  /** The names in the base file's folder. */
  listFolder(): string[];
  /** Durable mode: makes the renames survive a crash. */
  syncFolder(): void;
  /** With `compress`: queues a rotated file for gzip off the write path. */
  queueCompression(state: RotationState, path: string): void;
}

/** Why a rotated file was deleted: backupCount (deleted, or replaced by an older one shifted onto it), or retention. */
export type RemoveReason = 'backupCount' | 'maxAge' | 'maxTotalSize';

/** The 'rotate' event: the base file became `dest` (renamed, or appended to an existing `dest`). */
export interface RotateEvent {
  source: string;
  dest: string;
}

/** The 'remove' event: a rotated file was deleted. */
export interface RemoveEvent {
  path: string;
  reason: RemoveReason;
}

/** What an appender reports as it works, in the process that did it. */
export type RotationEvent = ({ type: 'rotate' } & RotateEvent) | ({ type: 'remove' } & RemoveEvent);

export interface RotatedFile {
  path: string;
  time: number | null;
  order: number;
}

export interface RotationPolicy {
  /**
   * This configuration, as one canonical string kept in the shared state: a process configured
   * otherwise sees it, and can follow it (`policyFromKey`) while its writers are alive.
   */
  readonly key: string;
  /** A new state, when there is none or the one on disk was left by another configuration. */
  initialState(nowSeconds: number, history: RotationState['history'], files: RotationFiles): RotationState;
  /** Whether the base file must rotate before the record of time `seconds` and `bytes` bytes. */
  shouldRollover(state: RotationState, seconds: number, bytes: number, files: RotationFiles): boolean;
  /** CPython's `doRollover`, once for every process; bumps `state.gen` when the base file moved. */
  rollover(state: RotationState, seconds: number, files: RotationFiles): void;
  /**
   * This base file's rotated files among `names` (the folder's), compressed or not, for retention:
   * `time` is what the name says (epoch seconds), or null to take the file's mtime; `order` breaks
   * ties, lower being older.
   */
  rotatedFiles(names: string[], files: RotationFiles): RotatedFile[];
  /** Where the record (`bytes` long) goes: null for the base file, else a rotated file (a late record). */
  target(state: RotationState, seconds: number, bytes: number, files: RotationFiles): string | null;
}

export interface AppenderOptions {
  /** Absolute path of the base file. */
  filename: string;
  /** Absolute path of the lock and state file. */
  lockFile: string;
  /** When and how the base file rotates (by time or by size). */
  policy: RotationPolicy;
  backupCount: number;
  delay: boolean;
  mode: number;
  namer: ((defaultName: string) => string) | null;
  rotator: ((source: string, dest: string) => void) | null;
  /** gzip rotated files after rotation, outside the lock (`<name>.gz`). */
  compress: boolean;
  /** With `compress`: how many of the newest rotated files stay plain (logrotate's delaycompress). */
  compressDelay: number;
  /** Create missing folders of the log and lock files. */
  mkdir: boolean;
  /** When the handler was made (ms): the first period's "now" when `delay` is false. */
  openedAt: number;
  /** This opening of the file in this process (FlusherConfig.openId). */
  openId: number;
  /** Durable mode ('batch'): fdatasync each run before it leaves the ring; sync the folder after renames. */
  fsync: boolean;
  /** Retention: rotated files older than this (ms) are deleted; 0: no limit. */
  maxAge: number;
  /** Retention: the oldest rotated files are deleted while they total more bytes than this; 0: no limit. */
  maxTotalSize: number;
}
