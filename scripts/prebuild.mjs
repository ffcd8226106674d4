// `npm run prebuilds`: rebuilds prebuilds/ from native/flock.c. The binaries are committed to git
// (see README, Development), so packing and installing never need these toolchains; run this after
// any change to native/flock.c or native/binding.gyp and commit the result:
//   prebuilds/linux-x64/concurrent-log.glibc.node    (the host compiler)
//   prebuilds/linux-x64/concurrent-log.musl.node     (Debian's musl-tools: musl-gcc)
//   prebuilds/linux-arm64/concurrent-log.glibc.node  (Debian's gcc-aarch64-linux-gnu)
// Every target is required: a partial set would be committed and shipped without anyone noticing.
// prebuilds/MANIFEST.json records the sha256 of the sources they were built from and of each
// binary; test/prebuilds.test.mjs fails when the sources no longer match. The host build runs last,
// so native/build/Release is left as this machine's own addon. binding.gyp lives in native/, not at the
// package root: pnpm 10 infers a `node-gyp rebuild` install script from a root binding.gyp (and warns
// about it), whatever package.json says.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prebuildify = createRequire(import.meta.url).resolve('prebuildify/bin.js');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sha256 = (file) =>
  createHash('sha256')
    .update(readFileSync(join(root, file)))
    .digest('hex');
const version = (cc) => spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];

export const SOURCES = ['native/flock.c', 'native/binding.gyp'];
const targets = [
  {
    file: 'prebuilds/linux-arm64/concurrent-log.glibc.node',
    cc: 'aarch64-linux-gnu-gcc',
    apt: 'gcc-aarch64-linux-gnu',
    args: ['--arch', 'arm64', '--strip-bin', 'aarch64-linux-gnu-strip'],
    env: {
      CC: 'aarch64-linux-gnu-gcc',
      CXX: 'aarch64-linux-gnu-g++',
      LINK: 'aarch64-linux-gnu-gcc',
      PREBUILD_LIBC: 'glibc',
    },
  },
  {
    file: 'prebuilds/linux-x64/concurrent-log.musl.node',
    cc: 'musl-gcc',
    apt: 'musl-tools',
    args: [],
    env: { CC: 'musl-gcc', LINK: 'musl-gcc', PREBUILD_LIBC: 'musl' },
  },
  {
    file: 'prebuilds/linux-x64/concurrent-log.glibc.node',
    cc: 'cc',
    apt: 'build-essential',
    args: [],
    env: { PREBUILD_LIBC: 'glibc' },
  },
];
const missing = targets.filter((t) => !has(t.cc));
if (missing.length > 0) {
  process.stderr.write(
    `prebuild: missing ${missing.map((t) => t.cc).join(', ')}: apt-get install ${missing.map((t) => t.apt).join(' ')}\n`,
  );
  process.exit(1);
}
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
const binaries = {};
for (const t of targets) {
  const r = spawnSync(
    process.execPath,
    [
      prebuildify,
      '--napi',
      '--strip',
      '--tag-libc',
      '--cwd',
      'native',
      '--out',
      '.',
      '--name',
      'concurrent-log',
      ...t.args,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...t.env },
    },
  );
  process.stderr.write(`prebuild: ${t.file}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status})`}\n`);
  if (r.status !== 0) (process.stderr.write(r.stderr), process.exit(1));
  binaries[t.file] = { sha256: sha256(t.file), compiler: version(t.cc) };
}
const manifest = { sources: Object.fromEntries(SOURCES.map((f) => [f, sha256(f)])), binaries };
writeFileSync(join(root, 'prebuilds', 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stderr.write('prebuild: wrote prebuilds/MANIFEST.json\n');
