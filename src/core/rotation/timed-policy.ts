// Rotation by time: CPython's TimedRotatingFileHandler decisions, made once for every process from
// the shared state and each record's own time, so a record lands in its own period's file.
import {
  Schedule,
  defaultRotationName,
  filesToDelete,
  type Namer,
  type RotatedNameVariants,
} from '../../time/schedule.js';
import { statOrNull } from '../fs/files.js';
import { basename } from 'node:path';
import type { RotatedFile, RotationFiles, RotationPolicy } from './ports.js';
import { STATE_VERSION, journal, type RotationState } from './state.js';

export class TimedPolicy implements RotationPolicy {
  readonly schedule: Schedule;
  /** With maxBytes > 0, a base file that reaches it within its period is rotated too (a "part"). */
  readonly maxBytes: number;
  readonly key: string;

  constructor(schedule: Schedule, maxBytes = 0) {
    this.schedule = schedule;
    this.maxBytes = maxBytes;
    // Without maxBytes the key is the schedule's, as in states written before maxBytes existed.
    this.key = maxBytes > 0 ? JSON.stringify({ ...(JSON.parse(schedule.key) as object), maxBytes }) : schedule.key;
  }

  static fromKey(key: string): TimedPolicy {
    const { maxBytes } = JSON.parse(key) as { maxBytes?: unknown };
    return new TimedPolicy(Schedule.fromKey(key), typeof maxBytes === 'number' ? maxBytes : 0);
  }

  /**
   * CPython's __init__: the first rollover counts from the base file's mtime if it exists. The
   * base file's period is the one that rollover ends, and nothing earlier: an earlier record goes to
   * a file named for its own period, never into a file named for a later one.
   */
  initialState(nowSeconds: number, history: RotationState['history'], files: RotationFiles): RotationState {
    const { schedule } = this;
    const st = statOrNull(files.options.filename);
    // Deviation: an empty base file counts as none. It holds no record whose period its mtime could
    // tell, and the constructor creates it (as CPython's does) before the state exists: its mtime is
    // the machine's time, which is not the handler's when a `clock` is given.
    const mtime = st === null || st.size === 0 ? null : Math.trunc(st.mtimeMs / 1000);
    const rolloverAt = schedule.initialRollover(nowSeconds, mtime);
    return {
      v: STATE_VERSION,
      rolloverAt,
      start: schedule.periodStart(rolloverAt),
      gen: 0,
      history,
      schedule: this.key,
      writers: [process.pid],
    };
  }

  /**
   * At or past rolloverAt; or, with maxBytes, a record of the current period (a late one goes to a
   * rotated file, not the base) that would bring a non-empty base file to maxBytes, the size rule
   * of the size handler.
   */
  shouldRollover(state: RotationState, seconds: number, bytes: number, files: RotationFiles): boolean {
    if (this.schedule.shouldRollover(state.rolloverAt, seconds)) return true;
    if (this.maxBytes <= 0 || seconds < state.start) return false;
    const size = files.baseSize(state);
    return size !== null && size > 0 && size + bytes >= this.maxBytes;
  }

  /**
   * CPython's doRollover, run once for everybody under the lock. Deviation: when the target name
   * already exists CPython deletes it, losing its records; we append the base file to it instead.
   * With maxBytes, a period whose base file was split keeps numbering its parts: its last file is
   * `<name>.<parts + 1>`, so every file of that period is numbered and none is renamed again.
   */
  rollover(state: RotationState, seconds: number, files: RotationFiles): void {
    const currentTime = Math.trunc(seconds);
    if (!this.schedule.shouldRollover(state.rolloverAt, seconds)) {
      this.rolloverPart(state, currentTime, files);
      return;
    }
    const { schedule } = this;
    const { filename } = files.options;
    const st = statOrNull(filename);
    if (st !== null && !st.isFile()) {
      // CPython (bpo-89564) never rotates a non-regular file; it only moves rolloverAt on.
      state.rolloverAt = schedule.computeRollover(currentTime);
      return;
    }
    const name = defaultRotationName(filename, schedule.rotationSuffix(state.rolloverAt, currentTime));
    // The period's last part is numbered after its parts, skipping numbers that late records took
    // meanwhile (target()), so it is renamed into a free name, never merged past maxBytes.
    let part = 0;
    if (state.parts) {
      part = state.parts + 1;
      while (this.taken(name, part, files)) part++;
    }
    const dfn = files.trustedName(files.rotationFilename(part ? `${name}.${part}` : name));
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
    // With maxBytes the entry also keeps the period's default name and its last part's number
    // (0: the plain name), for late records that need a new part.
    const parts = this.maxBytes > 0 ? { name, part } : {};
    journal(state, state.start, state.rolloverAt, dfn, { ino: st === null ? 0 : st.ino, at, ...parts });
    this.deleteBackups(files);
    state.parts = 0;
    state.rolloverAt = schedule.nextRollover(currentTime);
    state.start = schedule.periodStart(state.rolloverAt);
    state.gen++;
    files.reopenBase(state);
  }

  /**
   * The base file reached maxBytes within its period: it becomes `<base>.<suffix>.<n>`, n counting
   * the period's parts from 1, so the name starts as CPython's (its tools and getFilesToDelete see
   * a rotated file of that period), no rotated file is renamed again (tailers follow files by name
   * and inode), and sorting a period's names numerically sorts them in time. The period itself does
   * not change: rolloverAt, start and history stay; its last file is named at the period's end.
   */
  private rolloverPart(state: RotationState, currentTime: number, files: RotationFiles): void {
    const { filename } = files.options;
    const stem = defaultRotationName(filename, this.schedule.rotationSuffix(state.rolloverAt, currentTime));
    let n = (state.parts ?? 0) + 1;
    while (this.taken(stem, n, files)) n++;
    const dfn = files.trustedName(files.rotationFilename(`${stem}.${n}`));
    const st = statOrNull(filename);
    files.closeBase();
    files.rotate(filename, dfn);
    files.syncFolder();
    files.queueCompression(state, dfn);
    state.parts = n;
    // Journaled as every rotation is, so that a follower knows where the bytes it was reading went.
    // (Late records look for their period's newest entry: the period's end adds one after these.)
    journal(state, state.start, state.rolloverAt, dfn, { ino: st === null ? 0 : st.ino, at: 0, name: stem, part: n });
    this.deleteBackups(files);
    state.gen++;
    files.reopenBase(state);
  }

  /**
   * The names getFilesToDelete recognises (every one, as with backupCount 0) and our other names, each dated
   * by the period its name says; a period's parts are ordered by their number.
   */
  rotatedFiles(names: string[], files: RotationFiles): RotatedFile[] {
    const { filename, namer } = files.options;
    // Retention also takes our names of other configurations (compress or maxBytes since turned off).
    return filesToDelete(filename, 0, this.schedule, namer, names, { parts: true, compressed: true }).map((path) => {
      const parts = basename(path).split('.');
      const at = parts.findIndex((p) => this.schedule.suffixTime(p) !== null);
      const part = Number(parts[at + 1]);
      return {
        path,
        time: at < 0 ? null : this.schedule.suffixTime(parts[at]!),
        order: Number.isInteger(part) ? part : 0,
      };
    });
  }

  /** A part's name taken (by an earlier run with a lost state, say) is skipped, never overwritten. */
  private taken(stem: string, n: number, files: RotationFiles): boolean {
    const name = files.rotationFilename(`${stem}.${n}`);
    return files.exists(name) || (files.options.compress && files.exists(`${name}.gz`));
  }

  private deleteBackups(files: RotationFiles): void {
    const { filename, backupCount, namer, compress } = files.options;
    if (backupCount <= 0) return;
    for (const victim of this.backupsToDelete(filename, backupCount, namer, compress, files.listFolder()))
      files.remove(victim, 'backupCount');
  }

  /**
   * CPython 3.13's getFilesToDelete over `names` (the base file's folder), with our own names
   * (variants below) counted: what backupCount deletes, and what the handlers' getFilesToDelete() says.
   */
  backupsToDelete(
    filename: string,
    backupCount: number,
    namer: Namer | null,
    compress: boolean,
    names: string[],
  ): string[] {
    return filesToDelete(filename, backupCount, this.schedule, namer, names, this.variants(compress));
  }

  /**
   * Our names CPython's getFilesToDelete does not make, recognised as rotated files too: .gz, and
   * numbered parts, which the handler makes with maxBytes and also whenever a period's name is
   * taken by something that is not our regular file (a folder, a link: the next free number).
   */
  private variants(compress: boolean): RotatedNameVariants {
    return { parts: true, compressed: compress };
  }

  /** The base file, or for a late record its period's rotated file, else a file named for its own time. */
  target(state: RotationState, seconds: number, bytes: number, files: RotationFiles): string | null {
    if (seconds >= state.start) return null;
    const h = state.history;
    for (let i = h.length - 1; i >= 0; i--) {
      const [start, end, file, info] = h[i]!;
      if (seconds < start || seconds >= end) continue;
      if (this.maxBytes <= 0 || info?.name === undefined || info.part === undefined) return file;
      // With maxBytes a late record that would bring its period's last file to maxBytes starts a
      // new part of that period, numbered after it: no file grows past maxBytes, none is renamed.
      const size = files.fileSize(file);
      if (size === null || size === 0 || size + bytes < this.maxBytes) return file;
      let n = info.part + 1;
      while (this.taken(info.name, n, files)) n++;
      const part = files.rotationFilename(`${info.name}.${n}`);
      // A new entry, newest, so the period's next late records find it; ino 0 tells followers that
      // it continues no base file.
      journal(state, start, end, part, { ino: 0, at: 0, name: info.name, part: n });
      files.stateChanged();
      return part;
    }
    const { schedule } = this;
    const whole = Math.trunc(seconds);
    const name = defaultRotationName(files.options.filename, schedule.rotationSuffix(whole + schedule.interval, whole));
    if (this.maxBytes <= 0) return files.rotationFilename(name);
    // A period the journal does not know (older than the handler's first period, as records of a
    // pino transport that starts late): its newest part is found by name, and a new one started
    // rather than pass maxBytes, as above.
    let n = 0;
    while (this.taken(name, n + 1, files)) n++;
    const file = files.rotationFilename(n ? `${name}.${n}` : name);
    const size = files.fileSize(file);
    const gone = size === null && files.options.compress && files.exists(`${file}.gz`);
    if (!gone && (size === null || size === 0 || size + bytes < this.maxBytes)) return file;
    return files.rotationFilename(`${name}.${n + 1}`);
  }
}
