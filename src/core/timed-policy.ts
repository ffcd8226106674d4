// Rotation by time: CPython's TimedRotatingFileHandler decisions, made once for every process from
// the shared state and each record's own time, so a record lands in its own period's file.
import { Schedule, defaultRotationName, filesToDelete } from '../time/schedule.js';
import { statOrNull } from './files.js';
import type { RotationFiles, RotationPolicy } from './policy.js';
import type { RotationState } from './rotation.js';

/** How many rotated periods the on-disk state remembers, so late records find their own file. */
const HISTORY_LENGTH = 64;
export const STATE_VERSION = 1;

export class TimedPolicy implements RotationPolicy {
  readonly schedule: Schedule;
  readonly key: string;

  constructor(schedule: Schedule) {
    this.schedule = schedule;
    this.key = schedule.key;
  }

  /**
   * CPython's __init__: the first rollover counts from the base file's mtime if it exists. The
   * base file's period is the one that rollover ends, and nothing earlier: an earlier record goes to
   * a file named for its own period, never into a file named for a later one.
   */
  initialState(nowSeconds: number, history: RotationState['history'], files: RotationFiles): RotationState {
    const { schedule } = this;
    const st = statOrNull(files.options.filename);
    const mtime = st === null ? null : Math.trunc(st.mtimeMs / 1000);
    const rolloverAt = schedule.initialRollover(nowSeconds, mtime);
    return {
      v: STATE_VERSION, rolloverAt, start: schedule.periodStart(rolloverAt), gen: 0, history,
      schedule: schedule.key, writers: [process.pid],
    };
  }

  shouldRollover(state: RotationState, seconds: number): boolean {
    return this.schedule.shouldRollover(state.rolloverAt, seconds);
  }

  /**
   * CPython's doRollover, run once for everybody under the lock. Deviation: when the target name
   * already exists CPython deletes it, losing its records; we append the base file to it instead.
   */
  rollover(state: RotationState, seconds: number, files: RotationFiles): void {
    const currentTime = Math.trunc(seconds);
    const { schedule } = this;
    const { filename, backupCount, namer, compress } = files.options;
    const st = statOrNull(filename);
    if (st !== null && !st.isFile()) {
      // CPython (bpo-89564) never rotates a non-regular file; it only moves rolloverAt on.
      state.rolloverAt = schedule.computeRollover(currentTime);
      return;
    }
    const dfn = files.rotationFilename(defaultRotationName(filename, schedule.rotationSuffix(state.rolloverAt, currentTime)));
    files.closeBase();
    let at = 0;
    if (st !== null) {
      const existing = statOrNull(dfn);
      if (existing !== null) {
        at = existing.size;
        files.mergeInto(filename, dfn);
      } else files.rotate(filename, dfn);
      files.syncFolder();
    }
    files.queueCompression(state, dfn);
    state.seq = (state.seq ?? 0) + 1;
    state.history.push([state.start, state.rolloverAt, dfn, { seq: state.seq, ino: st === null ? 0 : st.ino, at }]);
    if (state.history.length > HISTORY_LENGTH) state.history.splice(0, state.history.length - HISTORY_LENGTH);
    if (backupCount > 0) {
      // Compressed names end in .gz: CPython's getFilesToDelete treats them as a namer's.
      for (const victim of filesToDelete(filename, backupCount, schedule, namer !== null || compress, files.listFolder())) files.remove(victim);
    }
    state.rolloverAt = schedule.nextRollover(currentTime);
    state.start = schedule.periodStart(state.rolloverAt);
    state.gen++;
    files.reopenBase(state);
  }

  /** The base file, or for a late record its period's rotated file, else a file named for its own time. */
  target(state: RotationState, seconds: number, files: RotationFiles): string | null {
    if (seconds >= state.start) return null;
    const h = state.history;
    for (let i = h.length - 1; i >= 0; i--) {
      const [start, end, file] = h[i]!;
      if (seconds >= start && seconds < end) return file;
    }
    const { schedule } = this;
    const whole = Math.trunc(seconds);
    return files.rotationFilename(defaultRotationName(files.options.filename, schedule.rotationSuffix(whole + schedule.interval, whole)));
  }
}
