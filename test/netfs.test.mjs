// Network file system detection (issue 14): a log on a real FUSE mount (bindfs) is reported at
// start; the mountinfo parser on this machine's real /proc/self/mountinfo and on crafted lines.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler, NetworkFsError } from 'concurrent-log';
import { networkFsOf, parseMountinfo, mountOf } from 'concurrent-log/tools';
import { tempDir } from './helpers/core.mjs';
import { ensureTool } from './helpers/tools.mjs';

function fuseMount(t) {
  ensureTool('bindfs'); // a FUSE file system
  const root = tempDir('cl-netfs-');
  const src = join(root, 'src');
  const mnt = join(root, 'mnt');
  mkdirSync(src);
  mkdirSync(mnt);
  execFileSync('bindfs', [src, mnt], { timeout: 10_000 });
  t.teardown(() => execFileSync('umount', ['-l', mnt]));
  return mnt;
}

test('a log on a FUSE mount is reported at start as NetworkFsError naming the file and the fs; allowNetworkFs: true silences it', async (t) => {
  const mnt = fuseMount(t);
  const file = join(mnt, 'logs', 'app.log'); // its folder does not exist yet: the mount's is checked
  t.deepEqual(networkFsOf(file), { fsType: 'fuse', mountPoint: realpathSync(mnt) });
  const h = new ConcurrentTimedRotatingFileHandler(file, { when: 'S' });
  const err = await new Promise((res) => h.on('error', res));
  t.true(err instanceof NetworkFsError);
  t.is(err.code, 'ERR_CONCURRENT_LOG_NETWORK_FS');
  t.is(err.path, file);
  t.is(err.fsType, 'fuse');
  t.true(err.message.includes(file) && err.message.includes('fuse'), err.message);
  await h.close();

  const errors = [];
  const quiet = new ConcurrentTimedRotatingFileHandler(join(mnt, 'b.log'), { when: 'S', allowNetworkFs: true });
  quiet.on('error', (e) => errors.push(e));
  quiet.write('kept\n');
  await quiet.close();
  t.deepEqual(errors, []);
  t.is(readFileSync(join(mnt, 'b.log'), 'utf8'), 'kept\n');
});

test('a log on a local disk is not reported', (t) => {
  t.is(networkFsOf(join(tempDir(), 'app.log')), null);
});

test("parseMountinfo reads this machine's /proc/self/mountinfo, escapes and optional fields; mountOf takes the longest prefix", (t) => {
  const real = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  t.true(real.some((m) => m.mountPoint === '/'));
  t.is(mountOf('/proc/self', real)?.fsType, 'proc');
  const crafted = parseMountinfo(
    [
      '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
      '36 27 0:50 / /mnt/nfs rw,relatime shared:7 master:1 - nfs4 server:/export rw,vers=4.2',
      '37 36 0:51 / /mnt/nfs/my\\040share rw - cifs //host/share rw',
      '38 27 0:52 / /mnt/nfsx rw - fuse.sshfs user@host: rw',
      'garbage line',
    ].join('\n'),
  );
  t.deepEqual(
    crafted.map((m) => [m.mountPoint, m.fsType, m.source]),
    [
      ['/', 'ext4', '/dev/vda'],
      ['/mnt/nfs', 'nfs4', 'server:/export'],
      ['/mnt/nfs/my share', 'cifs', '//host/share'],
      ['/mnt/nfsx', 'fuse.sshfs', 'user@host:'],
    ],
  );
  t.is(mountOf('/mnt/nfs/logs', crafted)?.fsType, 'nfs4');
  t.is(mountOf('/mnt/nfs/my share/app', crafted)?.fsType, 'cifs');
  t.is(mountOf('/mnt/nfsx/a', crafted)?.fsType, 'fuse.sshfs', '/mnt/nfs is not a prefix of /mnt/nfsx');
  t.is(mountOf('/var/log', crafted)?.fsType, 'ext4');
});
