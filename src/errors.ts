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
  constructor(filename: string, dropped: number, faultCode: string) {
    super(`concurrent-log: ${dropped} record(s) dropped for ${filename}: the buffer is full and the file cannot be written (${faultCode})`);
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
        'Build it with `npm rebuild concurrent-log` (needs python3, make and a C compiler); with pnpm, allow its build script ' +
        '(`pnpm approve-builds`, or onlyBuiltDependencies in package.json) and reinstall.',
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
    const what = flag === '--allow-worker' ? 'worker threads (the flusher thread that writes the records)' : 'native addons (the flock addon that locks the file across processes)';
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
    super(`concurrent-log: ${path} is on a network file system (${fsType}${mountPoint ? ` mounted at ${mountPoint}` : ''}): ` +
      'file locks there do not reliably exclude writers on other machines, so records may be lost or rotated twice. ' +
      'Write to a local disk and ship the logs (see README, "Shipping logs off the machine"), or pass allowNetworkFs: true if only this machine writes it.');
    this.name = 'NetworkFsError';
    this.path = path;
    this.fsType = fsType;
    this.mountPoint = mountPoint;
  }
}
