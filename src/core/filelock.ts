import { closeSync, constants, fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openCreating, statOrNull } from './files.js';

interface FlockAddon {
  flock(fd: number, operation: number): boolean;
  LOCK_EX: number;
  LOCK_UN: number;
  LOCK_NB: number;
}

let addon: FlockAddon | null = null;
/** Our Node-API flock addon (native/flock.c), built by `npm install`; loaded on first use. */
function flockAddon(): FlockAddon {
  if (addon === null) {
    // @ts-ignore -- import.meta is rewritten for the CommonJS build (scripts/build.mjs)
    const here: string = import.meta.url;
    addon = createRequire(here)('../../../build/Release/flock.node') as FlockAddon;
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
  private fd = -1;

  /** `mkdir`: create the lock file's missing folders (the `mkdir` option). */
  constructor(path: string, mkdir: boolean) {
    this.path = path;
    this.mkdir = mkdir;
  }

  /** The lock file's descriptor (opened on first use); the rotation state is stored in it. */
  get descriptor(): number {
    if (this.fd < 0) {
      this.fd = openCreating(this.path, constants.O_RDWR | constants.O_CREAT, 0o666, this.mkdir);
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
      const fd = this.descriptor;
      a.flock(fd, a.LOCK_EX);
      const atPath = statOrNull(this.path);
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
