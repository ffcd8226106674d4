/**
 * The one place that knows the layout of a file's SharedArrayBuffer. Every other module reads and
 * writes the buffer through these names; no offsets appear anywhere else.
 *
 *   [ control: CONTROL_SLOTS x Int32 ][ times: TIME_SLOTS x Float64 ][ ring: ringSize bytes ]
 *
 * The ring holds records in the frame format of frame.ts, written byte-wise and wrapping at the
 * end of the ring.
 */

// ---- Int32 control slots -------------------------------------------------------------------------
/** Layout version; a buffer made by another version of the package is not attached to. */
export const VERSION = 0;
/** Producers' mutex: 0 free, 1 held, 2 held with waiters (Drepper's futex mutex). */
export const MUTEX = 1;
/** Incremented on every mutex acquisition; lets a waiter see that a holder has stalled. */
export const MUTEX_SEQ = 2;
/** Total bytes ever drained (uint32, wrapping). Stored by the drainer only. The ring offset is
 * HEAD & (ringSize - 1), which is why ring sizes are powers of two. */
export const HEAD = 3;
/** Total bytes ever pushed (uint32, wrapping). Stored under MUTEX only, after the record's bytes
 * are in place: one store publishes a whole record, so a producer that dies mid-copy publishes
 * nothing. Bytes pending = (TAIL - HEAD) >>> 0. */
export const TAIL = 4;
/** Bumped (and notified) when producers want the flusher to wake before its interval. */
export const WAKE = 5;
/** Bumped (and notified) when the drainer frees space, for producers waiting on a full ring. */
export const SPACE = 6;
/** Token of the thread running the background flusher loop, 0 when none (elected by CAS). */
export const FLUSHER = 7;
/** Token of the thread draining the ring right now, 0 when none. One drainer at a time. */
export const DRAIN = 8;
/** Non-zero while the last attempt to write failed (disk full, permission...), so producers facing
 * a full ring drop and count instead of waiting forever: the index of the error's code in
 * FAULT_CODES (errors.ts), so a drop can be reported with its cause from any thread. */
export const FAULT = 9;
/** Records dropped because the ring stayed full during a fault. */
export const DROPPED = 10;
/** Source of unique thread tokens for FLUSHER and DRAIN. */
export const NEXT_TOKEN = 11;
/** Number of handler instances attached in this process and not closed. */
export const ATTACHED = 12;
/** Records accepted into the ring since creation (wraps at 2^31; for statistics). */
export const RECORDS = 13;
/** Sequence number of the last flusher fault report claimed by a handler (see Control.claimReport). */
export const REPORTED = 14;
/** Sequence number of the last fault report issued by a flusher of this buffer (any flusher, so a
 * replacement flusher's reports are new ones). */
export const REPORT_SEQ = 15;
export const CONTROL_SLOTS = 16;

// ---- Float64 time slots --------------------------------------------------------------------------
/** Date.now() of the flusher loop's last sign of life. */
export const FLUSHER_BEAT = 0;
/** Date.now() of the current drainer's last sign of life. */
export const DRAIN_BEAT = 1;
export const TIME_SLOTS = 2;

// ---- Byte regions --------------------------------------------------------------------------------
export const CONTROL_BYTES = CONTROL_SLOTS * 4;
/** Float64Array needs an offset that is a multiple of 8. */
export const TIMES_OFFSET = Math.ceil(CONTROL_BYTES / 8) * 8;
export const RING_OFFSET = TIMES_OFFSET + TIME_SLOTS * 8;

export const LAYOUT_VERSION = 2;

export interface SharedViews {
  sab: SharedArrayBuffer;
  control: Int32Array;
  times: Float64Array;
  ring: Uint8Array;
  ringSize: number;
}

export function allocate(ringSize: number): SharedViews {
  const sab = new SharedArrayBuffer(RING_OFFSET + ringSize);
  const views = viewsOf(sab);
  Atomics.store(views.control, VERSION, LAYOUT_VERSION);
  Atomics.store(views.control, NEXT_TOKEN, 1);
  return views;
}

export function viewsOf(sab: SharedArrayBuffer): SharedViews {
  const ringSize = sab.byteLength - RING_OFFSET;
  return {
    sab,
    control: new Int32Array(sab, 0, CONTROL_SLOTS),
    times: new Float64Array(sab, TIMES_OFFSET, TIME_SLOTS),
    ring: new Uint8Array(sab, RING_OFFSET, ringSize),
    ringSize,
  };
}

/** Whether `sab` was laid out by this version of the package (a buffer from another is not used). */
export function isCurrentLayout(sab: SharedArrayBuffer): boolean {
  return sab.byteLength > RING_OFFSET && Atomics.load(new Int32Array(sab, 0, CONTROL_SLOTS), VERSION) === LAYOUT_VERSION;
}
