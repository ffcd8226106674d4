// Every ```js block of the README runs as written, from a scratch folder inside the package (so
// `import 'concurrent-log'` resolves to this package), and exits cleanly.
import test from 'ava';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers/core.mjs';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has runnable examples', (t) => {
  t.true(blocks.length >= 5);
});

blocks.forEach((code, i) => {
  const title = code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '';
  test(`README example ${i + 1} runs: ${title.trim().slice(0, 60)}`, (t) => {
    const dir = mkdtempSync(join(ROOT, '.readme-run-'));
    try {
      writeFileSync(join(dir, 'example.mjs'), code);
      const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      t.is(r.status, 0, `${r.stderr}\n${r.stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
