import { closeSync, constants, fchmodSync, fstatSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NativeAddonError } from '../../errors.js';
import { lstatOrNull, openTrusted } from './files.js';
import { packageRoot } from './package.js';

export interface FlockAddon {
  flock(fd: number, operation: number): boolean;
  LOCK_EX: number;
  /** Shared: readers of the state (`concurrent-log follow`) that must see no rotation half done. */
  LOCK_SH: number;
  LOCK_UN: number;
  LOCK_NB: number;
  /** The process's hub id, settling it if no thread holds one (see Hub, process/registry.ts threadHub). */
  hubEnter(id: number): number;
  /** Threads of the process that hold the hub. */
  hubHolders(): number;
  /** The calling thread's token: positive, unique in the process, the same for the thread's life. */
  threadToken(): number;
  /** Whether the thread given `token` has ended. */
  threadGone(token: number): boolean;
}

let addon: FlockAddon | null = null;
/**
 * Our Node-API flock addon (native/flock.c), as node-gyp-build finds it: a build from source
 * (native/build/Release, from `npm run build:native`) if there is one, else the prebuilt binary for
 * this platform, architecture and libc (prebuilds/ at the package root). Loaded by the handler's
 * constructor, so that a missing binary is a clear error there and never a handler that accepts
 * records and drops them.
 */
export function flockAddon(): FlockAddon {
  if (addon === null) {
    const root = packageRoot();
    const req = createRequire(join(root, 'package.json'));
    try {
      const load = req('node-gyp-build') as (dir: string) => FlockAddon;
      try {
        addon = load(join(root, 'native'));
      } catch {
        addon = load(root);
      }
    } catch (err) {
      throw new NativeAddonError(root, err);
    }
  }
  return addon;
}

/**
 * An exclusive advisory lock on the lock file (`.<log>.lock` by default), shared by every process writing the log. The kernel
 * drops a flock when its open file description is closed, including when the process dies, so a
 * crashed writer never leaves the lock held.
 */
export class FileLock {
  readonly path: string;
  private readonly mkdir: boolean;
  private readonly mode: number;
  /** A reader's lock (`concurrent-log follow`): shared, on a descriptor opened read-only. */
  private readonly reader: boolean;
  private fd = -1;

  /**
   * `mkdir`: create the lock file's missing folders (the `mkdir` option); `mode`: the handler's, of
   * which the lock file takes all but the group's and others' write bits: only its owner may use
   * it (see `descriptor`), and anyone else who could write it could steer the owner's files.
   */
  constructor(path: string, mkdir: boolean, mode: number, reader = false) {
    this.path = path;
    this.mkdir = mkdir;
    this.mode = mode & ~0o022;
    this.reader = reader;
  }

  /**
   * The lock as a reader of the state takes it (`concurrent-log follow`): shared, so writers rotate
   * only between its reads and never while it reads; opened read-only and never created, since a
   * follower needs no write access to the log's folder. `acquire()` returns -1 while there is no
   * lock file. The trust checks are the writers': a reader acts on no path the state names.
   */
  static reader(path: string): FileLock {
    return new FileLock(path, false, 0, true);
  }

  /**
   * The lock file's descriptor (opened on first use); the rotation state is stored in it, and the
   * state says which files to append to, rename and delete, so only a file we can trust is used:
   * opened without following a symbolic link, a regular file with one name, owned by us or root
   * (UnsafeFileError otherwise: refused, never adopted). Its permission bits are set after the
   * open, so the umask cannot widen them (umask 000 left it rw-rw-rw-).
   */
  get descriptor(): number {
    if (this.fd < 0 && this.reader) this.fd = openSync(this.path, 'r');
    if (this.fd < 0) {
      const fd = openTrusted(this.path, constants.O_RDWR | constants.O_CREAT, this.mode, this.mkdir);
      try {
        const st = fstatSync(fd);
        if ((st.mode & 0o7777) !== this.mode && st.uid === process.geteuid?.()) fchmodSync(fd, this.mode);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      this.fd = fd;
    }
    return this.fd;
  }

  /**
   * Blocks until this thread holds the lock. A lock file deleted or replaced while in use (a cleanup
   * script, a removed folder) would let a process holding the old inode and one opening the new
   * path both "hold" it, so after locking we check that our descriptor is still the file at the
   * path, and lock the one at the path otherwise.
   */
  acquire(): number {
    const a = flockAddon();
    for (;;) {
      let fd: number;
      try {
        fd = this.descriptor;
      } catch (err) {
        if (this.reader && (err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
        throw err;
      }
      a.flock(fd, this.reader ? a.LOCK_SH : a.LOCK_EX);
      // lstat: a symbolic link swapped in for the lock file is not the file we hold.
      const atPath = lstatOrNull(this.path);
      const held = fstatSync(fd);
      if (atPath !== null && atPath.ino === held.ino && atPath.dev === held.dev) return fd;
      this.close();
    }
  }

  release(): void {
    if (this.fd >= 0) {
      const a = flockAddon();
      a.flock(this.fd, a.LOCK_UN);
    }
  }

  close(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
    }
  }
}

let token = 0;
/** This thread's token, as the native thread table knows it: what it holds shared-memory locks by. */
export function threadToken(): number {
  return (token ||= flockAddon().threadToken());
}

/** Whether the thread that was given `token` has ended (so a lock it holds will never be given back). */
export function threadGone(holder: number): boolean {
  return flockAddon().threadGone(holder);
}
