// Is a log's folder on a network file system? flock there is not reliable (NFS emulates it with
// byte-range locks, or not at all; CIFS and FUSE vary), so the handler's "each record once, each
// rotation once" across machines cannot hold, and users are told at start.
import { readFileSync, realpathSync, statfsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { NetworkFsError } from '../../errors.js';

/** statfs(2) `f_type` magic numbers of network (and FUSE) file systems, from linux/magic.h. */
export const NETWORK_FS_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0x517b, 'smb'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x65735546, 'fuse'],
  [0x00c36400, 'ceph'],
  [0x5346414f, 'afs'],
  [0x01021997, '9p'],
  [0x47504653, 'gpfs'],
  [0x0bd00bd0, 'lustre'],
]);

/** mountinfo `fstype` names of network file systems (FUSE ones are `fuse.<name>`). */
const NETWORK_FS_NAMES = /^(nfs4?|cifs|smb3?|smbfs|ceph|afs|9p|glusterfs|lustre|gpfs|fuse(\..+)?)$/;

/**
 * FUSE file systems that are local disks (ntfs-3g and exfat mount as fuseblk; rootless containers'
 * root is often fuse-overlayfs): same statfs magic, but one machine, so not reported.
 */
const LOCAL_FUSE = new Set(['fuseblk', 'fuse.fuse-overlayfs']);

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Parses /proc/<pid>/mountinfo (proc(5)): `id parent major:minor root mountpoint options
 * [optional fields...] - fstype source superoptions`. Lines it cannot read are skipped.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 10 || dash < 0 || dash + 2 >= f.length) continue;
    out.push({ mountPoint: unescapeMount(f[4]!), fsType: f[dash + 1]!, source: unescapeMount(f[dash + 2]!) });
  }
  return out;
}

/** The mount holding `realPath`: the longest mount point that is a prefix of it (the last one mounted wins a tie). */
export function mountOf(realPath: string, mounts: readonly MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    const p = m.mountPoint;
    const under = p === '/' || realPath === p || realPath.startsWith(p.endsWith(sep) ? p : p + sep);
    if (under && (best === null || p.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** The nearest existing folder of `path` (the log's folder may not exist yet: `mkdir` makes it). */
function existingFolder(path: string): string {
  let dir = dirname(resolve(path));
  for (;;) {
    try {
      return realpathSync(dir);
    } catch {
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/**
 * The network file system `filename`'s folder is on, or null. statfs's magic number decides;
 * mountinfo (when readable: Linux) names it precisely, e.g. `nfs4` or `fuse.sshfs`.
 */
export function networkFsOf(filename: string): { fsType: string; mountPoint: string | null } | null {
  const folder = existingFolder(filename);
  let magicName: string | undefined;
  try {
    magicName = NETWORK_FS_MAGIC.get(Number(statfsSync(folder).type));
  } catch {
    magicName = undefined;
  }
  let mount: MountEntry | null = null;
  try {
    mount = mountOf(folder, parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')));
  } catch {
    // No /proc (macOS): statfs alone decides.
  }
  if (mount !== null && LOCAL_FUSE.has(mount.fsType)) return null;
  const byName = mount !== null && NETWORK_FS_NAMES.test(mount.fsType);
  if (magicName === undefined && !byName) return null;
  return { fsType: byName ? mount!.fsType : magicName!, mountPoint: mount?.mountPoint ?? null };
}

/**
 * Reports, on the next tick (so an 'error' listener attached right after the constructor hears
 * it), a NetworkFsError if `filename` is on a network file system.
 */
export function checkNetworkFs(filename: string, report: (err: Error) => void): void {
  const found = networkFsOf(filename);
  if (found !== null) process.nextTick(report, new NetworkFsError(filename, found.fsType, found.mountPoint));
}
