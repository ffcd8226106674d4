import { closeSync, constants, fdatasyncSync, mkdirSync, openSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `open(2)` that, with `mkdir`, creates the missing folders of `path` and tries once more: the
 * folder may be missing at start (no `mkdir -p logs` beforehand) or removed while running (a cleanup
 * script), and log4js, winston-daily-rotate-file and pino's `mkdir: true` all create it.
 */
export function openCreating(path: string, flags: number, mode: number, mkdir: boolean): number {
  try {
    return openSync(path, flags, mode);
  } catch (err) {
    if (!mkdir || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, flags, mode);
}

export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** writeFileSync, and with `sync` on stable storage before it returns (durable mode). */
export function writeFileSyncing(path: string, data: Uint8Array, mode: number, sync: boolean): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try {
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    if (sync) fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
