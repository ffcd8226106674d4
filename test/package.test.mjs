import test from 'ava';
import { createRequire } from 'node:module';
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
