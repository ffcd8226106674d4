// Rotation by size: CPython 3.13's RotatingFileHandler decisions, made once for every process under
// the file lock from the base file's real size on disk (never from a per-process estimate).
import { basename, dirname, join } from 'node:path';
import { statOrNull } from '../fs/files.js';
import type { RotatedFile, RotationFiles, RotationPolicy } from './ports.js';
import { STATE_VERSION, journal, type RotationState } from './state.js';

export class SizePolicy implements RotationPolicy {
  readonly maxBytes: number;
  /**
   * Part of the policy, unlike the timed handler's: it says which names exist (base.1 ... base.N),
   * so a process that follows live writers shifts and deletes as they do.
   */
  readonly backupCount: number;
  readonly key: string;

  constructor(maxBytes: number, backupCount: number) {
    this.maxBytes = maxBytes;
    this.backupCount = backupCount;
    this.key = JSON.stringify({ maxBytes, backupCount });
  }

  /** The size policy a key names, or null for a timed one (whose key has `when`). */
  static fromKey(key: string): SizePolicy | null {
    const o = JSON.parse(key) as { maxBytes?: unknown; backupCount?: unknown; when?: unknown };
    if (typeof o.maxBytes !== 'number' || o.when !== undefined) return null;
    return new SizePolicy(o.maxBytes, typeof o.backupCount === 'number' ? o.backupCount : 0);
  }

  /** The timed fields stay at zero: the size policy keeps nothing but the generation and the queue. */
  initialState(_nowSeconds: number, history: RotationState['history']): RotationState {
    return { v: STATE_VERSION, rolloverAt: 0, start: 0, gen: 0, history, schedule: this.key, writers: [process.pid] };
  }

  /**
   * CPython 3.13's shouldRollover, in bytes: a record that would bring the file to maxBytes or
   * beyond rotates it first; an empty file never rotates (gh-116263), nor a base path that is not
   * a regular file (bpo-45401). Deviations: the record is measured in encoded bytes (CPython counts
   * its characters against the file's bytes), and with backupCount 0 nothing happens at all
   * (CPython's doRollover then only closes and reopens the same file).
   */
  shouldRollover(state: RotationState, _seconds: number, bytes: number, files: RotationFiles): boolean {
    if (this.maxBytes <= 0 || this.backupCount <= 0) return false;
    const size = files.baseSize(state);
    if (size === null || size === 0) return false;
    return size + bytes >= this.maxBytes;
  }

  /**
   * CPython's doRollover: base.N-1 -> base.N ... base.1 -> base.2, then base -> base.1, so base.1
   * is the newest and the oldest beyond backupCount is overwritten. Deviations: a shift is one
   * rename, which replaces its target atomically (CPython removes the target first); with
   * `compress`, a rotated file may already be `<name>.gz` or still waiting for compression, and
   * whichever form exists is shifted.
   */
  rollover(state: RotationState, _seconds: number, files: RotationFiles): void {
    const { filename } = files.options;
    const { backupCount } = this;
    const name = (i: number) => files.rotationFilename(`${filename}.${i}`);
    const dfn = name(1);
    // A folder planted at base.1 (reported): nothing can be renamed there, so the base file is not
    // rotated and the log carries on in it.
    if (!this.forms(files).every((ext) => files.replaceable(dfn + ext))) return;
    files.closeBase();
    // CPython looks at every name from backupCount down: one listing of the folder answers for
    // the names in it, so a large backupCount costs no system call per name.
    const folder = new Folder(dirname(filename), files);
    for (let i = backupCount - 1; i > 0; i--) {
      const sfn = name(i);
      const forms = this.forms(files).filter((ext) => folder.exists(sfn + ext));
      if (forms.length === 0) continue;
      const next = name(i + 1);
      // One that cannot move on (a folder at its next name) goes as if past backupCount.
      if (!this.forms(files).every((ext) => files.replaceable(next + ext))) {
        this.removeRotated(state, sfn, files, folder);
        continue;
      }
      this.removeRotated(state, next, files, folder);
      for (const ext of forms) folder.rename(sfn + ext, next + ext);
      if (state.compress) state.compress = state.compress.map((p) => (p === sfn ? next : p));
    }
    // Kept from CPython: a rotator need not replace an existing target.
    this.removeRotated(state, dfn, files, folder);
    const ino = statOrNull(filename)?.ino ?? 0;
    files.rotate(filename, dfn);
    // Journaled for followers: where the base file's bytes went. With a namer the names a file
    // takes as it shifts are the namer's to know, so nothing is journaled (docs/shipping.md says so).
    if (files.options.namer === null) journal(state, 0, 0, dfn, { ino, at: 0, shifted: true });
    files.syncFolder();
    files.queueCompression(state, dfn);
    state.gen++;
    files.reopenBase(state);
  }

  /**
   * `base.<n>` and `base.<n>.gz` whatever n (files an earlier configuration left too), and the
   * namer's names for 1..backupCount; dated by mtime, base.N older than base.1.
   */
  rotatedFiles(names: string[], files: RotationFiles): RotatedFile[] {
    const { filename } = files.options;
    const stem = basename(filename);
    const named = new Map<string, number>();
    for (let i = 1; i <= this.backupCount; i++) {
      const n = basename(files.rotationFilename(`${filename}.${i}`));
      named.set(n, i);
      named.set(`${n}.gz`, i);
    }
    const out: RotatedFile[] = [];
    for (const name of names) {
      const m = name.startsWith(`${stem}.`) ? /^(\d+)(\.gz)?$/.exec(name.slice(stem.length + 1)) : null;
      const n = m ? Number(m[1]) : named.get(name);
      if (n !== undefined) out.push({ path: join(dirname(filename), name), time: null, order: -n });
    }
    return out;
  }

  target(): null {
    return null;
  }

  /** The forms a rotated file can take: plain, and with `compress` also gzipped. */
  private forms(files: RotationFiles): string[] {
    return files.options.compress ? ['', '.gz'] : [''];
  }

  private removeRotated(state: RotationState, path: string, files: RotationFiles, folder: Folder): void {
    for (const ext of this.forms(files)) if (folder.exists(path + ext)) folder.remove(path + ext);
    if (state.compress) state.compress = state.compress.filter((p) => p !== path);
  }
}

/** The log's folder as listed once, kept up to date as the shift renames and removes in it. */
class Folder {
  private readonly names: Set<string>;
  constructor(
    private readonly dir: string,
    private readonly files: RotationFiles,
  ) {
    this.names = new Set(files.listFolder());
  }

  /** A namer may put rotated files elsewhere: those are asked of the file system. */
  exists(path: string): boolean {
    return dirname(path) === this.dir ? this.names.has(basename(path)) : this.files.exists(path);
  }

  rename(source: string, dest: string): void {
    this.files.rename(source, dest);
    this.names.delete(basename(source));
    this.names.add(basename(dest));
  }

  remove(path: string): void {
    this.files.remove(path, 'backupCount');
    this.names.delete(basename(path));
  }
}
