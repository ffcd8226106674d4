// Follows a rotating log series by the handler's own rotation journal (the state in its lock file):
// every line once, in order per file, across rotations, .gz files, stalls and restarts.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, resolve } from 'node:path';
import { FileLock } from '../core/fs/filelock.js';
import { lockFilePath } from '../core/options.js';
import { statOrNull, writeFileSyncing } from '../core/fs/files.js';
import { readStateAt, type RotationState } from '../core/rotation/state.js';

export interface FollowOptions {
  /** The base file (the handler's `filename`). */
  filename: string;
  /** The handler's lock/state file; default `.<basename>.lock` beside the log. */
  lockFile?: string | null;
  /** Where progress is kept between runs (written atomically); none: start fresh every time. */
  checkpoint?: string | null;
  /** Without a checkpoint: print the rotated files the journal lists and the base file from their start, not only new lines. */
  fromStart?: boolean;
  /** Receives whole lines (one or more); the checkpoint is saved only after it resolves. */
  write: (chunk: Buffer) => Promise<void>;
}

/** A rotated file being followed: its journal entry number, path, and the bytes printed so far. */
interface Tracked {
  seq: number;
  path: string;
  /** Bytes of the file (decompressed, for a .gz) already printed. */
  offset: number;
  /** Size of the .gz when it was last read whole, so an unchanged .gz is not decompressed again. */
  gzSize?: number;
  /** The base was appended to this file at `at`; bytes [at, to) were printed from the base already. */
  pendingSkip?: { at: number; to: number };
  /** A size handler's rotated file: `path` moves to the next number at each later rotation. */
  shifted?: boolean;
}

/** What the checkpoint file holds. */
export interface Checkpoint {
  v: 1;
  /** The journal's last rotation number taken into account. */
  seq: number;
  /** The base file being read: its inode and the bytes printed. */
  base: { ino: number; offset: number } | null;
  rotated: Tracked[];
}

const CHUNK = 1 << 20;

export class Follower {
  readonly filename: string;
  readonly lockPath: string;
  private readonly opts: FollowOptions;
  private cp: Checkpoint | null = null;
  /** The handler's lock, taken shared: no rotation is half done while the state is read. */
  private readonly lock: FileLock;
  private stateBuf: Buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(opts: FollowOptions) {
    this.opts = opts;
    this.filename = resolve(opts.filename);
    this.lockPath = lockFilePath(this.filename, opts.lockFile);
    this.lock = FileLock.reader(this.lockPath);
    if (statOrNull(this.filename)?.isDirectory()) throw new Error(`${this.filename} is a directory, not a log file`);
    if (opts.checkpoint && statOrNull(opts.checkpoint)?.isDirectory())
      throw new Error(`checkpoint ${opts.checkpoint} is a directory`);
    if (opts.checkpoint && existsSync(opts.checkpoint)) {
      const text = readFileSync(opts.checkpoint, 'utf8');
      let parsed: Checkpoint;
      try {
        parsed = JSON.parse(text) as Checkpoint;
      } catch (err) {
        throw new Error(`checkpoint ${opts.checkpoint} is not valid JSON: ${(err as Error).message}`, { cause: err });
      }
      if (parsed.v !== 1) throw new Error(`checkpoint ${opts.checkpoint} has unknown version ${String(parsed.v)}`);
      this.cp = parsed;
    }
  }

  /** One pass: prints what is new. Resolves true if anything was printed. */
  async poll(): Promise<boolean> {
    const snap = this.snapshot();
    if (snap === null) {
      // Nothing there yet (a follower started at boot, before the application): every line the
      // log will have is new, so the file is read from its start when it appears.
      this.cp ??= { v: 1, seq: 0, base: null, rotated: [] };
      return false;
    }
    const { state, baseIno } = snap;
    const journalSeq = state?.seq ?? 0;
    const history = state?.history ?? [];
    if (this.cp === null) {
      // First run without a checkpoint: either everything the journal still lists, or only what comes next.
      const baseSize = baseIno === null ? 0 : (statOrNull(this.filename)?.size ?? 0);
      this.cp = this.opts.fromStart
        ? { v: 1, seq: 0, base: null, rotated: [] }
        : { v: 1, seq: journalSeq, base: baseIno === null ? null : { ino: baseIno, offset: baseSize }, rotated: [] };
    }
    const cp = this.cp;
    let printed = false;
    // Rotations since the last pass, oldest first. Entries written before the journal numbered
    // them (no 4th element) are numbered by position, so --from-start still reads them.
    const seqOf = (i: number): number => history[i]![3]?.seq ?? i - history.length + 1 + journalSeq;
    history.forEach((h, i) => {
      const meta = h[3];
      const seq = seqOf(i);
      if (seq <= cp.seq) return;
      let offset = meta?.at ?? 0;
      if (meta && cp.base !== null && meta.ino === cp.base.ino) {
        // The base file we were reading is this rotated file now: carry on where we stopped.
        offset += cp.base.offset;
        cp.base = null;
      }
      const same = meta?.shifted ? undefined : cp.rotated.find((t) => t.path === h[2]);
      if (meta?.shifted) cp.rotated.push({ seq, path: h[2], offset, shifted: true });
      else if (same) {
        // The base was appended to a rotated file we already follow (a period rotated twice):
        // its bytes before `at` are read by that entry; the ones we printed from the base are skipped.
        same.pendingSkip = { at: meta?.at ?? 0, to: offset };
      } else cp.rotated.push({ seq, path: h[2], offset });
      cp.seq = seq;
    });
    if (journalSeq > cp.seq) cp.seq = journalSeq;
    // Forget the files the journal no longer lists (deleted by backupCount or beyond its memory).
    const paths = new Set(history.map((h) => h[2]));
    const seqs = new Set(history.map((_, i) => seqOf(i)));
    cp.rotated = cp.rotated.filter((t) => (t.shifted ? seqs.has(t.seq) : paths.has(t.path)));
    // A size handler's file is shifted once by each rotation after its own.
    for (const t of cp.rotated) if (t.shifted) t.path = `${this.filename}.${1 + journalSeq - t.seq}`;
    const write = this.opts.write;
    for (const t of cp.rotated) if (!t.shifted) printed = (await this.readRotated(t, write)) || printed;
    printed =
      (await this.readShifted(
        cp.rotated.filter((t) => t.shifted),
        journalSeq,
      )) || printed;
    if (baseIno !== null) {
      if (cp.base === null || cp.base.ino !== baseIno) cp.base = { ino: baseIno, offset: 0 };
      printed = (await this.readBase(cp.base)) || printed;
    }
    if (printed || !this.saved) this.save();
    return printed;
  }

  /** Polls until `signal` aborts; `onStarted` is called once the first pass has found its place. */
  async run(intervalMs: number, signal: AbortSignal, onStarted?: () => void): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      const printed = await this.poll();
      if (first) onStarted?.();
      first = false;
      if (!printed) await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** The log's folder, if it does not exist (yet): the follower waits for it. */
  missingFolder(): string | null {
    const dir = dirname(this.filename);
    return statOrNull(dir) === null ? dir : null;
  }

  close(): void {
    this.lock.close();
  }

  private saved = false;

  /** Temp file + rename: a reader (or a restart after SIGKILL) sees the old checkpoint or the new one whole. */
  private save(): void {
    const path = this.opts.checkpoint;
    if (!path || this.cp === null) return;
    const tmp = `${path}.tmp`;
    if (!this.saved) mkdirSync(dirname(path), { recursive: true });
    writeFileSyncing(tmp, Buffer.from(JSON.stringify(this.cp)), 0o666, true);
    renameSync(tmp, path);
    this.saved = true;
  }

  /**
   * The journal and the base file's inode, read under the handler's lock, so no rotation falls
   * between them (a rotation renames and records under that lock). Null while there is no journal
   * and no base file yet.
   */
  private snapshot(): { state: RotationState | null; baseIno: number | null } | null {
    let fd: number;
    try {
      fd = this.lock.acquire();
    } catch (err) {
      throw new Error(`cannot open the lock file ${this.lockPath}: ${(err as Error).message}`, { cause: err });
    }
    if (fd < 0) {
      const st = statOrNull(this.filename);
      return st === null ? null : { state: null, baseIno: st.ino };
    }
    try {
      // The writers' own reader; the state's problems are theirs to report.
      const read = readStateAt(fd, this.stateBuf);
      this.stateBuf = read.buf;
      const st = statOrNull(this.filename);
      return { state: read.state, baseIno: st === null ? null : st.ino };
    } finally {
      this.lock.release();
    }
  }

  private async readBase(base: { ino: number; offset: number }): Promise<boolean> {
    let fd: number;
    try {
      fd = openSync(this.filename, 'r');
    } catch {
      return false; // rotated or deleted since the snapshot: the next pass sees where it went
    }
    try {
      // Rotated in between: its bytes are read as the rotated entry in the next pass.
      if (fstatSync(fd).ino !== base.ino) return false;
      return await this.readPlain(fd, base, this.opts.write);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A size handler's rotated files: their names move at every rotation, and are read outside the
   * lock, so what is read is printed only if no rotation came in between; else nothing is printed
   * or moved on, and the next pass reads them again under their new names.
   */
  private async readShifted(tracked: Tracked[], seq: number): Promise<boolean> {
    if (tracked.length === 0) return false;
    const chunks: Buffer[] = [];
    const staged = tracked.map((t) => ({ ...t }));
    for (const t of staged) await this.readRotated(t, async (chunk) => void chunks.push(chunk));
    if (chunks.length === 0 || (this.snapshot()?.state?.seq ?? 0) !== seq) return false;
    for (const chunk of chunks) await this.opts.write(chunk);
    staged.forEach((t, i) => Object.assign(tracked[i]!, t));
    return true;
  }

  private async readRotated(t: Tracked, write: (chunk: Buffer) => Promise<void>): Promise<boolean> {
    let fd = -1;
    try {
      fd = openSync(t.path, 'r');
    } catch {
      // Compressed since (or deleted by backupCount): read the .gz.
    }
    if (fd >= 0) {
      try {
        let printed = false;
        if (t.pendingSkip) {
          // Read up to where the base was appended, then skip what we printed from the base.
          printed = await this.readPlain(fd, t, write, t.pendingSkip.at);
          if (t.offset >= t.pendingSkip.at) {
            t.offset = Math.max(t.offset, t.pendingSkip.to);
            delete t.pendingSkip;
          }
        }
        return (await this.readPlain(fd, t, write)) || printed;
      } finally {
        closeSync(fd);
      }
    }
    const gz = `${t.path}.gz`;
    const st = statOrNull(gz);
    if (st === null || st.size === t.gzSize) return false;
    let data: Buffer;
    try {
      data = gunzipSync(readFileSync(gz));
    } catch {
      return false; // a member being appended (a late record): whole on a later pass
    }
    if (t.pendingSkip && t.offset >= t.pendingSkip.at) {
      t.offset = Math.max(t.offset, t.pendingSkip.to);
      delete t.pendingSkip;
    }
    const end = data.lastIndexOf(0x0a) + 1;
    let printed = false;
    if (end > t.offset) {
      await write(data.subarray(t.offset, end));
      t.offset = end;
      printed = true;
    }
    t.gzSize = st.size;
    return printed;
  }

  /** Prints the whole lines of `fd` after `pos.offset` (up to `limit`), advancing it. */
  private async readPlain(
    fd: number,
    pos: { offset: number },
    write: (chunk: Buffer) => Promise<void>,
    limit = Infinity,
  ): Promise<boolean> {
    const size = Math.min(fstatSync(fd).size, limit);
    let printed = false;
    while (pos.offset < size) {
      const want = Math.min(CHUNK, size - pos.offset);
      const buf = Buffer.allocUnsafe(want);
      const n = readSync(fd, buf, 0, want, pos.offset);
      if (n === 0) break;
      const end = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
      if (end === 0) {
        if (n === CHUNK) throw new Error(`${this.filename}: a line longer than ${CHUNK} bytes`);
        break; // a line still being written: wait for its end
      }
      await write(buf.subarray(0, end));
      pos.offset += end;
      printed = true;
    }
    return printed;
  }
}
