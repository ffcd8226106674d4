import test from 'ava';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ROOT } from './helpers/core.mjs';
import * as esm from 'concurrent-log';

const require = createRequire(import.meta.url);

test('the package loads through both import and require with the same export names', (t) => {
  const cjs = require('concurrent-log');
  t.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  t.is(typeof esm.Handler, 'function');
  t.is(typeof cjs.Handler, 'function');
  // Two copies of the module, one per loader: they must not be the same object.
  t.not(cjs.Handler, esm.Handler);
});

test("npm pack ships a LICENSE, the three prebuilt binaries, and every source map's sources are in the package", (t) => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files = new Set(JSON.parse(out)[0].files.map((f) => f.path));
  t.true(files.has('LICENSE'));
  t.regex(
    readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
    /^MIT License\n\nCopyright \(c\) 2026 the concurrent-log authors\n/,
  );
  for (const bin of [
    'linux-x64/concurrent-log.glibc.node',
    'linux-x64/concurrent-log.musl.node',
    'linux-arm64/concurrent-log.glibc.node',
  ]) {
    t.true(files.has(`prebuilds/${bin}`), `prebuilds/${bin} is packed`);
  }
  t.false(
    [...files].some((f) => f.startsWith('build/')),
    'no build from source of this machine in the package',
  );
  const maps = [...files].filter((f) => f.endsWith('.map'));
  t.true(maps.length > 0);
  const missing = [];
  for (const map of maps) {
    for (const src of JSON.parse(readFileSync(join(ROOT, map), 'utf8')).sources) {
      const shipped = posix.normalize(posix.join(posix.dirname(map), src));
      if (!files.has(shipped)) missing.push(`${map} -> ${shipped}`);
    }
  }
  t.deepEqual(missing, []);
});
