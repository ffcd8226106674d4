import {
  HUB_EXITED, HUB_FLUSHER, HUB_FLUSHER_BEAT, HUB_NEXT_TOKEN, HUB_WAKE, type HubViews,
} from './layout.js';

/**
 * A flusher whose heartbeat is older than this is replaced. Safe to be eager: a replaced flusher
 * that was only slow exits at its next turn, and each file's DRAIN keeps two flushers from writing
 * the same records meanwhile.
 */
export const FLUSHER_STALE_MS = 3000;

/**
 * The process hub's owner: the one flusher thread of the process (elected by compare-and-swap, kept
 * by its heartbeat) and the one wake-up word every file's producers bump. Nothing else touches the
 * hub's slots.
 */
export class Hub {
  readonly sab: SharedArrayBuffer;
  private readonly c: Int32Array;
  private readonly times: Float64Array;

  constructor(views: HubViews) {
    this.sab = views.sab;
    this.c = views.control;
    this.times = views.times;
  }

  flusherToken(): number {
    return Atomics.load(this.c, HUB_FLUSHER);
  }

  flusherAlive(): boolean {
    return this.flusherToken() !== 0 && Date.now() - this.times[HUB_FLUSHER_BEAT]! < FLUSHER_STALE_MS;
  }

  /** The caller becomes the flusher if none is alive: returns its (negative) token, or 0 if another won. */
  claimFlusher(): number {
    const owner = this.flusherToken();
    if (owner !== 0 && Date.now() - this.times[HUB_FLUSHER_BEAT]! < FLUSHER_STALE_MS) return 0;
    const token = Atomics.sub(this.c, HUB_NEXT_TOKEN, 1);
    if (Atomics.compareExchange(this.c, HUB_FLUSHER, owner, token) !== owner) return 0;
    this.beat();
    return token;
  }

  isFlusher(token: number): boolean {
    return this.flusherToken() === token;
  }

  beat(): void {
    this.times[HUB_FLUSHER_BEAT] = Date.now();
  }

  releaseFlusher(token: number): void {
    Atomics.compareExchange(this.c, HUB_FLUSHER, token, 0);
  }

  /** Called when the flusher thread `token` has exited (its descriptors, so its flocks, are gone). */
  markExited(token: number): void {
    Atomics.store(this.c, HUB_EXITED, token);
    this.releaseFlusher(token);
  }

  /** The last flusher known to have exited (0 if none). */
  exited(): number {
    return Atomics.load(this.c, HUB_EXITED);
  }

  /** Asks the flusher to look at the files now instead of at its next interval. */
  wake(): void {
    Atomics.add(this.c, HUB_WAKE, 1);
    Atomics.notify(this.c, HUB_WAKE);
  }

  wakeSeq(): number {
    return Atomics.load(this.c, HUB_WAKE);
  }

  /**
   * Flusher: resolves when woken or after `ms`, letting the thread's event loop run meanwhile (files
   * are announced to the flusher by message). The timer keeps the loop alive, which a pending
   * waitAsync does not.
   */
  async waitForWork(seen: number, ms: number): Promise<void> {
    const r = Atomics.waitAsync(this.c, HUB_WAKE, seen, ms);
    if (!r.async) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([r.value, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}
