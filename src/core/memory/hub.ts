import {
  HUB_ANSWERS,
  HUB_FLUSHER,
  HUB_FLUSHER_BEAT,
  HUB_FLUSHER_THREAD,
  HUB_ID,
  HUB_LISTENING,
  HUB_MAIN_ANSWERS,
  HUB_NEXT_TOKEN,
  HUB_NO_FLUSHER_UNTIL,
  HUB_REGISTRY,
  HUB_WAKE,
  type HubViews,
} from './layout.js';
import { threadGone, threadToken } from '../fs/filelock.js';

/**
 * A flusher whose thread lives but whose heartbeat is older than this is replaced (one whose thread
 * ended is replaced at once). It beats at every turn and at every question it answers. Safe to be
 * eager: a replaced flusher that was only slow exits at its next turn, and each file's DRAIN keeps
 * two flushers from writing the same records meanwhile.
 */
export const FLUSHER_STALE_MS = 3000;
const LISTEN_SLICE_MS = 50;
/**
 * A flusher that has not listened yet is booting, and is given this long instead: a hundred worker
 * threads starting at once on two cores can delay a boot past FLUSHER_STALE_MS, and a second flusher
 * started meanwhile costs a thread. One that dies while booting is released at once by the thread
 * that started it ('exit').
 */
export const FLUSHER_BOOT_MS = 15_000;
/** How long a booting flusher may still answer for its files (flusherMayAnswer): it may boot past
 * FLUSHER_BOOT_MS when a hundred workers start at once beside other work on two cores (CI saw it). */
const FLUSHER_MAY_BOOT_MS = 4 * FLUSHER_BOOT_MS;
/** After a flusher failed to start, how long writers write their own records before another try. */
export const FLUSHER_RETRY_MS = 5000;

/**
 * The process hub's owner: the one flusher thread of the process (elected by compare-and-swap, kept
 * by its heartbeat) and the one wake-up word every file's producers bump. Nothing else touches the
 * hub's slots.
 */
export class Hub {
  readonly sab: SharedArrayBuffer;
  private readonly c: Int32Array;
  private readonly times: Float64Array;
  private readonly files: Int32Array;

  constructor(views: HubViews) {
    this.sab = views.sab;
    this.c = views.control;
    this.times = views.times;
    this.files = views.files;
  }

  /** This hub's identity, as the native hub table knows it. */
  id(): number {
    return Atomics.load(this.c, HUB_ID);
  }

  flusherToken(): number {
    return Atomics.load(this.c, HUB_FLUSHER);
  }

  flusherAlive(): boolean {
    return this.runs(this.flusherToken(), FLUSHER_STALE_MS, FLUSHER_BOOT_MS);
  }

  /**
   * Whether a flusher is there to answer for the files it serves: one holds the token and is not known
   * to have ended. Looser than flusherAlive: a flusher booting slowly or beating late (a hundred
   * workers starting at once on two cores) may be replaced as the writer, but a thread must not make a
   * second buffer for a file because of it; it asks for as long as that flusher may answer. One that
   * died booting (with its starter, so that nobody released it) is given up after FLUSHER_MAY_BOOT_MS.
   */
  flusherMayAnswer(): boolean {
    return this.runs(this.flusherToken(), Infinity, FLUSHER_MAY_BOOT_MS);
  }

  /**
   * Whether flusher `owner` runs: its thread has not ended, and it beat within `staleMs` (once it
   * listens) or was started within `bootMs` (while it boots, its thread is not known yet).
   */
  private runs(owner: number, staleMs: number, bootMs: number): boolean {
    if (owner === 0) return false;
    const listening = this.isListening(owner);
    // The thread slot is the owner's only once it listens (stored just before).
    if (listening && threadGone(Atomics.load(this.c, HUB_FLUSHER_THREAD))) return false;
    return Date.now() - this.times[HUB_FLUSHER_BEAT]! < (listening ? staleMs : bootMs);
  }

  /** Whether the current flusher was started by the main thread, and so lives as long as the process. */
  flusherLasts(): boolean {
    return (this.flusherToken() & 1) !== 0;
  }

  /**
   * The caller becomes the flusher if none is alive, or if it is the main thread and the live one was
   * started by a worker: returns its (negative) token, or 0 if another won. A replaced flusher hands
   * its files over and ends (process/flusher.ts); each file's DRAIN keeps the two from writing the same records.
   */
  claimFlusher(mainThread: boolean): number {
    if (Date.now() < this.times[HUB_NO_FLUSHER_UNTIL]!) return 0;
    const owner = this.flusherToken();
    if (this.runs(owner, FLUSHER_STALE_MS, FLUSHER_BOOT_MS) && !(mainThread && !this.flusherLasts())) return 0;
    // Unique (from one counter) and never positive; odd for the main thread, so that who started the
    // flusher is part of the one word that is swapped in, with no second store to race with.
    const token = Atomics.sub(this.c, HUB_NEXT_TOKEN, 1) * 2 - (mainThread ? 1 : 0);
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

  /** Flusher `token` could not start (or died before it listened): none is tried for a while. */
  flusherFailed(token: number): void {
    this.times[HUB_NO_FLUSHER_UNTIL] = Date.now() + FLUSHER_RETRY_MS;
    this.releaseFlusher(token);
  }

  /** Whether a flusher may be started now (none failed to start lately). */
  flusherMayStart(): boolean {
    return Date.now() >= this.times[HUB_NO_FLUSHER_UNTIL]!;
  }

  /** The main thread answers questions from now on (see HUB_MAIN_ANSWERS). */
  mainAnswers(): void {
    Atomics.store(this.c, HUB_MAIN_ANSWERS, 1);
  }

  /** Whether the main thread answers questions: a thread may ask it while no flusher runs. */
  mainAnswering(): boolean {
    return Atomics.load(this.c, HUB_MAIN_ANSWERS) === 1;
  }

  /** Whether flusher `token` has opened its channels (it answers and hears from then on). */
  isListening(token: number): boolean {
    return Atomics.load(this.c, HUB_LISTENING) === token;
  }

  /**
   * Takes the registry lock (see HUB_REGISTRY), waiting for the holder, which holds it for one
   * hand-over to the flusher (bounded, see process/registry.ts). A holder whose thread ended is taken over.
   */
  lockRegistry(): void {
    const token = threadToken();
    for (;;) {
      const holder = Atomics.compareExchange(this.c, HUB_REGISTRY, 0, token);
      if (
        holder === 0 ||
        (threadGone(holder) && Atomics.compareExchange(this.c, HUB_REGISTRY, holder, token) === holder)
      )
        return;
      Atomics.wait(this.c, HUB_REGISTRY, holder, LISTEN_SLICE_MS);
    }
  }

  unlockRegistry(): void {
    if (Atomics.compareExchange(this.c, HUB_REGISTRY, threadToken(), 0) === threadToken())
      Atomics.notify(this.c, HUB_REGISTRY);
  }

  /** Flusher `token`: its announcement channel is open, announcements reach it from now on. */
  listening(token: number): void {
    // Only while still the flusher: a flusher replaced as it booted must not hide its successor's word.
    for (;;) {
      const was = Atomics.load(this.c, HUB_LISTENING);
      if (!this.isFlusher(token)) return;
      Atomics.store(this.c, HUB_FLUSHER_THREAD, threadToken());
      if (Atomics.compareExchange(this.c, HUB_LISTENING, was, token) === was) break;
    }
    Atomics.notify(this.c, HUB_LISTENING);
  }

  /**
   * Blocks until flusher `token` listens to announcements, it is replaced, or `ms` pass; whether it
   * listens. Only a thread announcing while the flusher boots waits (tens of milliseconds): a message
   * posted before then would be lost, and a thread that goes on to spin would never announce again.
   */
  awaitListening(token: number, ms: number): boolean {
    const deadline = Date.now() + ms;
    for (;;) {
      const listening = Atomics.load(this.c, HUB_LISTENING);
      if (listening === token) return true;
      const left = deadline - Date.now();
      if (this.flusherToken() !== token || left <= 0) return false;
      // In slices: a flusher that dies while booting never stores its token here.
      Atomics.wait(this.c, HUB_LISTENING, listening, Math.min(left, LISTEN_SLICE_MS));
    }
  }

  /**
   * Whether a buffer may have been made for `filename` in this process (see HUB_FILE_SLOTS): false
   * means surely not, so the caller makes one (under the registry lock) without asking for it.
   */
  mayHaveFile(filename: string): boolean {
    return this.fileSlot(filename) < 0;
  }

  /** A buffer is being made for `filename` (under the registry lock). */
  addFile(filename: string): void {
    const slot = this.fileSlot(filename);
    if (slot >= 0) Atomics.store(this.files, slot, fileHash(filename));
  }

  /** The empty slot where `filename`'s hash would go; -1 if it is there, or the table is full. */
  private fileSlot(filename: string): number {
    const h = fileHash(filename);
    const n = this.files.length;
    for (let i = 0, slot = (h >>> 0) % n; i < n; i++, slot = (slot + 1) % n) {
      const v = Atomics.load(this.files, slot);
      if (v === 0) return slot;
      if (v === h) return -1;
    }
    return -1;
  }

  /** A question was answered: threads waiting for an answer look now (see awaitAnswer). */
  answered(): void {
    Atomics.add(this.c, HUB_ANSWERS, 1);
    Atomics.notify(this.c, HUB_ANSWERS);
  }

  answersSeq(): number {
    return Atomics.load(this.c, HUB_ANSWERS);
  }

  /** Blocks until an answer is posted after `seen` was read, or `ms` pass. */
  awaitAnswer(seen: number, ms: number): void {
    Atomics.wait(this.c, HUB_ANSWERS, seen, ms);
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

/** FNV-1a over the name's UTF-16 code units, never 0 (an empty slot). */
function fileHash(filename: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < filename.length; i++) h = Math.imul(h ^ filename.charCodeAt(i), 0x01000193);
  return h | 0 || 1;
}
