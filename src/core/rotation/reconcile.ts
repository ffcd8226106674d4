// Which schedule rotation follows, and from which period, given the state found on disk: ours when
// we are alone or the state is ours, that of live writers who were there first otherwise (so no
// file is misnamed), with the conflict reported once. Also where CPython's __init__ happens for a
// process: its opening of the log joins it to the state's writers.
import { statOrNull } from '../fs/files.js';
import { ScheduleConflictError } from '../../errors.js';
import { policyFromKey } from './policy.js';
import type { AppenderOptions, RotationFiles, RotationPolicy } from './ports.js';
import type { RotationState } from './state.js';
import { WRITER_REFRESH_S, isLive, isSelf, joined, writersOf } from './writers.js';

/** How far before a period an mtime must be to count as before it (see baseWrittenBefore). */
const MTIME_SLACK_MS = 500;

export class Reconciler {
  /** The policy rotation follows: ours, or that of live writers who were there first. */
  policy: RotationPolicy;
  private readonly options: AppenderOptions;
  private readonly onConflict: (err: Error) => void;
  /** The schedule conflict last reported, so it is reported once, not once per batch. */
  private reportedConflict: string | null = null;
  /** Set by the first reconcile: this appender has opened the file (CPython's __init__). */
  private opened = false;

  constructor(options: AppenderOptions, onConflict: (err: Error) => void) {
    this.options = options;
    this.onConflict = onConflict;
    this.policy = options.policy;
  }

  /**
   * The state to rotate by, from the one on disk. None: a new one, as CPython's __init__ computes
   * it. One computed for another schedule: if no process that joined with it is alive, this is a
   * restart with a new configuration and our schedule takes over at once, from the base file's
   * mtime as CPython would; if one is alive, we follow its schedule (so no file is misnamed) and
   * report the conflict once.
   */
  reconcile(
    state: RotationState | null,
    nowSeconds: number,
    files: RotationFiles,
  ): { state: RotationState; changed: boolean } {
    const mine = this.options.policy;
    const opening = !this.opened && state?.opening !== this.options.openId;
    this.opened = true;
    const now = Date.now() / 1000;
    if (state === null) {
      this.policy = mine;
      return {
        state: joined({ ...mine.initialState(nowSeconds, [], files), opening: this.options.openId }, [], now),
        changed: true,
      };
    }
    const procs = writersOf(state);
    if (state.schedule === undefined || state.schedule === mine.key) {
      this.policy = mine;
      state.schedule = mine.key;
      const me = procs.find(isSelf);
      const others = procs.filter((w) => !isSelf(w) && isLive(w, now));
      // A handler opening with nobody else writing is CPython's __init__: the first rollover
      // counts from the base file's mtime. Only a base file last written before the state's period
      // (an mtime set back, a file put back) changes it, so it is rotated to its own period's name
      // instead of being appended to.
      let changed = false;
      if (opening) {
        state.opening = this.options.openId;
        changed = true;
      }
      if (opening && others.length === 0 && this.baseWrittenBefore(state.start)) {
        const fresh = mine.initialState(nowSeconds, state.history, files);
        if (fresh.rolloverAt < state.rolloverAt) {
          state.rolloverAt = fresh.rolloverAt;
          state.start = fresh.start;
          delete state.parts;
          changed = true;
        }
      }
      if (me !== undefined && now - me.seen < WRITER_REFRESH_S) return { state, changed };
      return { state: joined(state, others, now), changed: true };
    }
    const others = procs.filter((w) => !isSelf(w) && isLive(w, now));
    if (others.length === 0) {
      this.policy = mine;
      // The history and its rotation count carry over, so followers keep their place.
      return {
        state: joined({ ...mine.initialState(nowSeconds, state.history, files), seq: state.seq }, [], now),
        changed: true,
      };
    }
    if (this.policy.key !== state.schedule) this.policy = policyFromKey(state.schedule);
    if (this.reportedConflict !== state.schedule) {
      this.reportedConflict = state.schedule;
      this.onConflict(
        new ScheduleConflictError(
          this.options.filename,
          state.schedule,
          mine.key,
          others.map((w) => w.pid),
        ),
      );
    }
    return { state, changed: false };
  }

  /**
   * Whether the base file's mtime is before `start` (epoch seconds) by more than the file system's
   * clock can lag: it stamps mtimes with a coarse clock, up to a tick behind Date.now().
   */
  private baseWrittenBefore(start: number): boolean {
    const st = statOrNull(this.options.filename);
    return st !== null && st.isFile() && st.mtimeMs < start * 1000 - MTIME_SLACK_MS;
  }
}
