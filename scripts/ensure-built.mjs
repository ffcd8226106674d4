// Runs before the scripts that use dist/ (stress, conformance, the benchmarks): builds it when it is
// missing or older than a source. The package has no `prepare` script, because npm 11 and pnpm 10
// warn about any install-time script of a dependency, so `npm install` alone does not build dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', 'bundle', 'meta.json');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(
  newest(join(root, 'src')),
  ...['package.json', 'tsconfig.json', 'tsconfig.cjs.json', 'scripts/build.mjs'].map(
    (f) => statSync(join(root, f)).mtimeMs,
  ),
);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
