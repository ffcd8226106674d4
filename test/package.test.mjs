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

test('npm pack ships a LICENSE, and every source map\'s sources are in the package', (t) => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files = new Set(JSON.parse(out)[0].files.map((f) => f.path));
  t.true(files.has('LICENSE'));
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
