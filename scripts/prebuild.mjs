// `npm run prebuilds` (and `prepack`): Node-API builds of native/flock.c for the package, loaded by
// node-gyp-build, so that installing needs no C toolchain and no install script:
//   prebuilds/linux-x64/concurrent-log.glibc.node    (always)
//   prebuilds/linux-x64/concurrent-log.musl.node     (with Debian's musl-tools: musl-gcc)
//   prebuilds/linux-arm64/concurrent-log.glibc.node  (with Debian's gcc-aarch64-linux-gnu)
// A target whose toolchain is missing is skipped with a notice. The host build runs last, so
// build/Release is left as this machine's own addon.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prebuildify = createRequire(import.meta.url).resolve('prebuildify/bin.js');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const targets = [
  { name: 'linux-arm64 glibc', needs: 'aarch64-linux-gnu-gcc', args: ['--arch', 'arm64', '--strip-bin', 'aarch64-linux-gnu-strip'], env: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-gcc', PREBUILD_LIBC: 'glibc' } },
  { name: 'linux-x64 musl', needs: 'musl-gcc', args: [], env: { CC: 'musl-gcc', LINK: 'musl-gcc', PREBUILD_LIBC: 'musl' } },
  { name: 'linux-x64 glibc (host)', needs: null, args: [], env: { PREBUILD_LIBC: 'glibc' } },
];
let failed = false;
for (const t of targets) {
  if (t.needs && !has(t.needs)) {
    process.stderr.write(`prebuild: skipping ${t.name}: ${t.needs} not found\n`);
    continue;
  }
  const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--tag-libc', ...t.args], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...t.env },
  });
  process.stderr.write(`prebuild: ${t.name}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status})`}\n`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
