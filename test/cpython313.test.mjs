// CPython 3.13's TimedRotatingFileHandler and RotatingFileHandler, where 3.13 differs from 3.11 or
// where our handlers must offer its API: real handlers, real files, real flusher threads.
import test from 'ava';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';

// 2025-06-15 12:00:00 UTC: a fixed instant, so file names are known in advance.
const T0 = Date.UTC(2025, 5, 15, 12, 0, 0);
const read = (p) => readFileSync(p, 'utf8');
const names = (dir) => readdirSync(dir).filter((f) => !f.startsWith('.')).sort();

test('a namer using require works in an ES module, as the README promises', async (t) => {
  const dir = tempDir();
  // This file is an ES module: `require` exists only in the scope the flusher thread revives the namer in.
  const namer = (name) => require('node:path').join(require('node:path').dirname(name), `old-${require('node:path').basename(name)}`);
  const h = new ConcurrentTimedRotatingFileHandler(join(dir, 'app.log'), { when: 'S', utc: true, delay: true, namer });
  h.write('a\n', T0 + 100);
  h.write('b\n', T0 + 1100);
  await h.close();
  t.deepEqual(names(dir), ['app.log', 'old-app.log.2025-06-15_12-00-00']);
  t.is(read(join(dir, 'old-app.log.2025-06-15_12-00-00')), 'a\n');
});
