import { mkdirSync, openSync, statSync, type Stats } from 'node:fs';
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
