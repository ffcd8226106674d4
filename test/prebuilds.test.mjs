// The prebuilt binaries are committed (docs/development.md): these tests keep them honest. The
// manifest written by `npm run prebuilds` must name the current sources, every binary it lists must
// be the one in prebuilds/, and the linux-x64 one must load and lock across processes.
import test from 'ava';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers/core.mjs';

const sha256 = (file) =>
  createHash('sha256')
    .update(readFileSync(join(ROOT, file)))
    .digest('hex');
const manifest = JSON.parse(readFileSync(join(ROOT, 'prebuilds', 'MANIFEST.json'), 'utf8'));

test('the committed prebuilds were built from the current native/flock.c and native/binding.gyp', (t) => {
  for (const [file, hash] of Object.entries(manifest.sources)) {
    t.is(
      sha256(file),
      hash,
      `${file} changed since the prebuilds were made: run npm run prebuilds and commit prebuilds/`,
    );
  }
  t.deepEqual(Object.keys(manifest.sources).sort(), ['native/binding.gyp', 'native/flock.c']);
});

test('prebuilds/ holds exactly the binaries of the manifest: linux-x64 glibc and musl, linux-arm64 glibc', (t) => {
  const present = readdirSync(join(ROOT, 'prebuilds'), { recursive: true })
    .filter((f) => f.endsWith('.node'))
    .map((f) => `prebuilds/${f}`)
    .sort();
  t.deepEqual(present, Object.keys(manifest.binaries).sort());
  t.deepEqual(present, [
    'prebuilds/linux-arm64/concurrent-log.glibc.node',
    'prebuilds/linux-x64/concurrent-log.glibc.node',
    'prebuilds/linux-x64/concurrent-log.musl.node',
  ]);
  for (const [file, { sha256: hash }] of Object.entries(manifest.binaries)) t.is(sha256(file), hash, file);
});

test('the linux-x64 glibc prebuild loads and excludes another process', (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return t.pass('not linux-x64');
  const file = join(ROOT, 'prebuilds', 'linux-x64', 'concurrent-log.glibc.node');
  const addon = createRequire(import.meta.url)(file);
  const lockPath = join(tempDir('cl-prebuild-'), 'x.lock');
  const fd = openSync(lockPath, 'w');
  t.true(addon.flock(fd, addon.LOCK_EX | addon.LOCK_NB));
  const other = (op) =>
    spawnSync(
      process.execPath,
      [
        '-e',
        `
const a = require(${JSON.stringify(file)}); const fd = require('fs').openSync(${JSON.stringify(lockPath)}, 'r');
process.stdout.write(String(a.flock(fd, a.${op} | a.LOCK_NB)));`,
      ],
      { encoding: 'utf8' },
    ).stdout;
  t.is(other('LOCK_EX'), 'false', 'held here, so another process cannot take it');
  t.true(addon.flock(fd, addon.LOCK_UN));
  t.is(other('LOCK_EX'), 'true', 'released, another process takes it');
  closeSync(fd);
});
