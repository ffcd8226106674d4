// Every error class the package throws or reports, in one place below every layer (time, core,
// logging and adapters all import from here). Each has a stable `code`; callers match on it.

/** How a value is shown in an error message: strings quoted, objects as JSON, functions by name. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** A rejected option. `message` is CPython's own wording where CPython rejects the value too. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_OPTION';
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.option = option;
    this.value = value;
  }
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

/** Reported when records are written to a closed handler. */
export class HandlerClosedError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_CLOSED';
  constructor(filename: string) {
    super(`concurrent-log: write to a closed handler for ${filename}`);
    this.name = 'HandlerClosedError';
  }
}

/** Reported when records had to be dropped because the ring stayed full during an I/O fault. */
export class RecordsDroppedError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_DROPPED';
  readonly dropped: number;
  /** The code of the I/O error that stopped the writes, e.g. 'ENOSPC'. */
  readonly faultCode: string;
  /** `closing`: dropped because the file's last handler closed while it still could not be written. */
  constructor(filename: string, dropped: number, faultCode: string, closing = false) {
    super(
      `concurrent-log: ${dropped} record(s) dropped for ${filename}: ${closing ? 'the handler closed while' : 'the buffer is full and'} the file cannot be written (${faultCode})`,
    );
    this.name = 'RecordsDroppedError';
    this.dropped = dropped;
    this.faultCode = faultCode;
  }
}

/**
 * Reported to a process that joins a log whose live writers rotate it on another schedule. It
 * follows theirs, so no file is misnamed, until they have all stopped.
 */
export class ScheduleConflictError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_SCHEDULE';
  readonly path: string;
  /** `Schedule.key` of the schedule in use by the live writers. */
  readonly running: string;
  /** `Schedule.key` of this process's own configuration. */
  readonly configured: string;
  readonly writers: readonly number[];
  constructor(path: string, running: string, configured: string, writers: readonly number[]) {
    super(
      `concurrent-log: ${path} is rotated by live writers (pid ${writers.join(', ')}) on the schedule ${running}; ` +
        `this process was configured with ${configured} and follows theirs until they stop`,
    );
    this.name = 'ScheduleConflictError';
    this.path = path;
    this.running = running;
    this.configured = configured;
    this.writers = writers;
  }
}

/**
 * Thrown by a handler's constructor when the flock addon cannot be loaded: no prebuilt binary for
 * this platform and no build from source (an install with --ignore-scripts, or pnpm, which skips
 * build scripts, on a platform without a prebuild).
 */
export class NativeAddonError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_NATIVE';
  override readonly cause: unknown;
  constructor(packageRoot: string, cause: unknown) {
    super(
      `concurrent-log: no flock addon for ${process.platform}-${process.arch} could be loaded from ${packageRoot} ` +
        `(no prebuilt binary fits and none was built from source: ${(cause as Error)?.message ?? String(cause)}). ` +
        `Build it from source: \`cd ${packageRoot}/native && npx --yes node-gyp rebuild\` ` +
        '(needs python3, make and a C compiler; the package has no install script, so npm and pnpm never build it by themselves).',
    );
    this.name = 'NativeAddonError';
    this.cause = cause;
  }
}

/**
 * Thrown by a handler's constructor when Node's permission model (`--permission`, or
 * `--experimental-permission` on Node 20) forbids what every handler needs: worker threads (its
 * flusher) or native addons (its file lock). `flag` is the one to add.
 */
export class PermissionModelError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_PERMISSION';
  readonly flag: '--allow-worker' | '--allow-addons';
  constructor(flag: '--allow-worker' | '--allow-addons') {
    const what =
      flag === '--allow-worker'
        ? 'worker threads (the flusher thread that writes the records)'
        : 'native addons (the flock addon that locks the file across processes)';
    super(`concurrent-log: Node's permission model forbids ${what}; run node with ${flag}`);
    this.name = 'PermissionModelError';
    this.flag = flag;
  }
}

/**
 * Reported at start when the log's folder is on a network file system (NFS, CIFS/SMB, FUSE...),
 * where flock does not reliably exclude other machines. `allowNetworkFs: true` silences it.
 */
export class NetworkFsError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_NETWORK_FS';
  readonly path: string;
  readonly fsType: string;
  readonly mountPoint: string | null;
  constructor(path: string, fsType: string, mountPoint: string | null) {
    super(
      `concurrent-log: ${path} is on a network file system (${fsType}${mountPoint ? ` mounted at ${mountPoint}` : ''}): ` +
        'file locks there do not reliably exclude writers on other machines, so records may be lost or rotated twice. ' +
        'Write to a local disk and ship the logs (see docs/shipping.md in the package), or pass allowNetworkFs: true if only this machine writes it.',
    );
    this.name = 'NetworkFsError';
    this.path = path;
    this.fsType = fsType;
    this.mountPoint = mountPoint;
  }
}

/**
 * A path the handler would write through that it does not trust: the lock file, or a rotated name
 * (or its `.gz`), that is a symbolic link, not a regular file, linked elsewhere too (hard links), or
 * owned by another user. The lock file is refused (records wait, as for any I/O fault); a rotated
 * name is never written through: rotation takes the next free name (`instead`), or leaves the file.
 */
export class UnsafeFileError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_UNSAFE_FILE';
  readonly path: string;
  /** What is wrong with it: 'symlink', 'not a regular file', 'hard-linked', 'owned by uid N'. */
  readonly reason: string;
  /** The name used instead, or null when nothing was written in its place. */
  readonly instead: string | null;
  constructor(path: string, reason: string, instead: string | null = null) {
    super(
      `concurrent-log: refusing to write through ${path}: it is ${reason === 'symlink' ? 'a symbolic link' : reason}` +
        (instead === null ? '' : `; ${instead} is used instead`),
    );
    this.name = 'UnsafeFileError';
    this.path = path;
    this.reason = reason;
    this.instead = instead;
  }
}

/**
 * Reported once when the rotation state in the lock file cannot be used as it is: unreadable (not
 * JSON, fields of the wrong type), of a newer version of the package, or naming files that are not
 * this log's rotated files. The state is then rebuilt (or the foreign paths left out), never silently.
 */
export class StateError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_STATE';
  readonly path: string;
  /** 'unreadable', 'version' or 'foreign path'. */
  readonly reason: string;
  constructor(path: string, reason: string, detail: string) {
    super(
      `concurrent-log: the rotation state in ${path} is ${reason === 'version' ? 'of another version' : reason === 'foreign path' ? 'naming a file outside this log' : 'unreadable'} (${detail}); ` +
        (reason === 'foreign path' ? 'that entry is ignored' : 'it is rebuilt from the log files'),
    );
    this.name = 'StateError';
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Reported when a record's time cannot be used (before 1970, further ahead of the clock than one
 * rotation period, not a number) or the `clock` option throws or returns no usable time: the record
 * is written under the current time (`Date.now()`) instead, so no input stalls rotation.
 */
export class RecordTimeError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_TIME';
  /** The time refused (ms), or the clock's error message. */
  readonly value: unknown;
  /** Times refused so far by this handler (reports are made at 1, 2, 4, 8...). */
  readonly occurrences: number;
  constructor(filename: string, what: string, value: unknown, occurrences: number) {
    super(
      `concurrent-log: ${what} for ${filename}: ${describe(value)}; the record was written under the current time` +
        (occurrences > 1 ? ` (${occurrences} times so far)` : ''),
    );
    this.name = 'RecordTimeError';
    this.value = value;
    this.occurrences = occurrences;
  }
}
