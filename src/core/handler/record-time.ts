// A record's time, as the handler hands it to the schedule: its own, or the clock's, never one no
// schedule can name a file for (not a number, before 1970, far ahead of the clock). A refused time
// is replaced and reported, at 1, 2, 4, 8... refusals so that a broken clock cannot flood the user.
import { RecordTimeError } from '../../errors.js';
import { usableTime, type ResolvedOptions } from '../options.js';

/** Rotation by size: times decide nothing, and a record may be stamped up to a day ahead of the clock. */
const SIZE_TIME_WINDOW_MS = 86_400_000;

export class RecordTime {
  private readonly options: ResolvedOptions;
  private readonly report: (err: Error) => void;
  /** The clock's last usable reading: a record time this far behind it needs no new reading. */
  private clockRead: number;
  /** How far ahead of the clock a record may be stamped: one rotation period. */
  private readonly timeWindow: number;
  /** Times (or clock readings) refused so far: reported at 1, 2, 4, 8... */
  private timeFaults = 0;

  constructor(options: ResolvedOptions, report: (err: Error) => void) {
    this.options = options;
    this.report = report;
    this.timeWindow = options.schedule === null ? SIZE_TIME_WINDOW_MS : options.schedule.interval * 1000;
    this.clockRead = options.config.openedAt;
  }

  /** The clock's time; Date.now() when it throws or says no usable time (reported). */
  now(): number {
    let t: unknown;
    try {
      t = this.options.clock();
    } catch (err) {
      return this.timeRefused('the clock threw', err instanceof Error ? err.message : err, Date.now());
    }
    if (!usableTime(t)) return this.timeRefused('the clock returned no usable time', t, Date.now());
    this.clockRead = t;
    return t;
  }

  /**
   * A record's own time, or the clock's when it is none (not a number, before 1970) or further
   * ahead of the clock than one rotation period: a time no schedule can name a file for, or that
   * would freeze the base file in a far period, is never handed to the schedule.
   */
  of(ms: unknown): number {
    if (typeof ms !== 'number' || !(ms >= 0))
      return this.timeRefused('a record time before 1970 or not a number', ms, this.now());
    if (ms > this.clockRead + this.timeWindow) {
      const now = this.now();
      if (ms > now + this.timeWindow)
        return this.timeRefused('a record time more than one rotation period ahead of the clock', ms, now);
    }
    return ms;
  }

  private timeRefused(what: string, value: unknown, instead: number): number {
    const n = ++this.timeFaults;
    if ((n & (n - 1)) === 0) this.report(new RecordTimeError(this.options.config.filename, what, value, n));
    return instead;
  }
}
