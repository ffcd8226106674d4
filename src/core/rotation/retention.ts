// Retention (maxAge, maxTotalSize): which rotated files to delete, beyond what backupCount already
// deletes. Run by the appender under the lock, once at start and after each rotation; the policy
// says which names are this log's rotated files, and deletions go through the appender's `remove`,
// so each is reported as a 'remove' event like backupCount's.
import { dirname } from 'node:path';
import { lstatOrNull, statOrNull } from '../fs/files.js';
import type { RotationFiles, RotationPolicy } from './ports.js';

/**
 * maxAge and maxTotalSize, under the lock, over this base file's rotated files (compressed or
 * not, from this run or earlier ones; never the base file, never another base's files): first
 * those older than maxAge, dated by their name's period or their mtime; then the oldest while
 * the rest total more than maxTotalSize.
 */
export function retain(policy: RotationPolicy, files: RotationFiles): void {
  const { maxAge, maxTotalSize, filename } = files.options;
  if (maxAge <= 0 && maxTotalSize <= 0) return;
  // No folder yet (delay, or made on the first write): nothing to delete, not an error.
  if (statOrNull(dirname(filename)) === null) return;
  const found: Array<{ path: string; size: number; time: number; order: number }> = [];
  for (const f of policy.rotatedFiles(files.listFolder(), files)) {
    // The entry itself: a symbolic link named like a rotated file is neither counted nor followed.
    const st = f.path === filename ? null : lstatOrNull(f.path);
    if (st?.isFile()) found.push({ path: f.path, size: st.size, time: f.time ?? st.mtimeMs / 1000, order: f.order });
  }
  found.sort((a, b) => a.time - b.time || a.order - b.order);
  const oldest = Date.now() / 1000 - maxAge / 1000;
  let total = found.reduce((sum, f) => sum + f.size, 0);
  for (const f of found) {
    const tooOld = maxAge > 0 && f.time < oldest;
    if (!tooOld && (maxTotalSize <= 0 || total <= maxTotalSize)) continue;
    files.remove(f.path, tooOld ? 'maxAge' : 'maxTotalSize');
    total -= f.size;
  }
}
