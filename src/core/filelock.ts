import { openSync, closeSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

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
 * An exclusive advisory lock on `<log>.lock`, shared by every process writing the log. The kernel
 * drops a flock when its open file description is closed, including when the process dies, so a
 * crashed writer never leaves the lock held.
 */
export class FileLock {
  readonly path: string;
  private fd = -1;

  constructor(path: string) {
    this.path = path;
  }

  /** The lock file's descriptor (opened on first use); the rotation state is stored in it. */
  get descriptor(): number {
    if (this.fd < 0) {
      this.fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT, 0o666);
    }
    return this.fd;
  }

  /** Blocks until this thread holds the lock. */
  acquire(): number {
    const fd = this.descriptor;
    const a = flockAddon();
    a.flock(fd, a.LOCK_EX);
    return fd;
  }

  /** Takes the lock only if nobody holds it. */
  tryAcquire(): boolean {
    const a = flockAddon();
    return a.flock(this.descriptor, a.LOCK_EX | a.LOCK_NB);
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
