// A batch's records are written one run at a time: consecutive frames bound for the same file are
// gathered and written with one write(), and only then freed from the ring (see `write`). The run
// also answers for what is gathered and not yet on disk, which the policies' size checks count.
import type { RotationState } from './state.js';

/** Writes `data[0, len)` to the file a run targets: the base file (null) or a rotated one. */
export type WriteRun = (state: RotationState, target: string | null, data: Buffer, len: number) => void;

/** Consecutive frames bound for one file, gathered to be written with one write(). */
export class Run {
  /** Where the frames go: null for the base file, else a rotated file's path. */
  target: string | null = null;
  private out: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  /** Offset in the batch just past the run's last frame. */
  private end = 0;
  private readonly writeRun: WriteRun;

  constructor(writeRun: WriteRun) {
    this.writeRun = writeRun;
  }

  reset(): void {
    this.target = null;
    this.len = 0;
  }

  /** Bytes gathered and not yet written for `target`. */
  pendingFor(target: string | null): number {
    return this.target === target ? this.len : 0;
  }

  add(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.len + n > this.out.length) this.out = grow(this.out, this.len, this.len + n);
    buf.copy(this.out, this.len, start, end);
    this.len += n;
    this.end = end;
  }

  /** Writes what was gathered and tells `committed` where the batch is on disk up to. */
  write(state: RotationState, committed: (end: number) => void): void {
    if (this.len === 0) return;
    this.writeRun(state, this.target, this.out, this.len);
    committed(this.end);
    this.len = 0;
  }
}

function grow(buf: Buffer, keep: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
  buf.copy(next, 0, 0, keep);
  return next;
}
