// The published types as a TypeScript user meets them: `when` is CPython's values only, the 'error'
// listener gets an Error, options are checked (test/fixtures/types/usage.ts).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './helpers/core.mjs';

/** Compiles the usage fixture with the tsc at `tsc`, the common flags and `flags`; asserts it passes. */
function compiles(t, tsc, flags) {
  const common = [
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
  ];
  const r = spawnSync(process.execPath, [tsc, ...common, ...flags, join(ROOT, 'test/fixtures/types/usage.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  t.is(r.status, 0, r.stdout + r.stderr);
}

test("the package's types accept CPython's when values and typed error listeners, and refuse the rest", (t) => {
  compiles(t, createRequire(import.meta.url).resolve('typescript/bin/tsc'), ['--types', 'node', '--skipLibCheck']);
});

test('the published types compile under TypeScript 7 with its defaults (no @types loaded unless asked), no lib check skipped', (t) => {
  // TypeScript 6+ defaults `types` to []: our .d.ts files must ask for Node's types themselves.
  compiles(t, join(ROOT, 'node_modules/typescript7/bin/tsc'), ['--ignoreConfig']);
});
