import { openSync, closeSync, constants } from 'node:fs';
import fsExt from 'fs-ext';

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
    for (;;) {
      try {
        fsExt.flockSync(fd, 'ex');
        return fd;
      } catch (err) {
        // A signal can interrupt the wait; anything else is a real error.
        if ((err as NodeJS.ErrnoException).code !== 'EINTR') throw err;
      }
    }
  }

  release(): void {
    if (this.fd >= 0) fsExt.flockSync(this.fd, 'un');
  }

  close(): void {
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
    }
  }
}
