// Builds the package twice, as ESM (dist/esm) and CommonJS (dist/cjs), from one TypeScript source,
// so that both `import` and `require` get a native copy. The CommonJS copy cannot contain
// `import.meta`, so every `import.meta.url` is rewritten to its CommonJS equivalent.
// `--loose` still emits and exits 0 on type errors (for work in progress); the default is strict.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const loose = process.argv.includes('--loose');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// Built aside and swapped in at the end, so a test running meanwhile never sees dist/ half-made.
const out = join(root, `dist.build-${process.pid}`);
rmSync(out, { recursive: true, force: true });
let failed = false;
for (const [project, dir] of [['tsconfig.json', 'esm'], ['tsconfig.cjs.json', 'cjs']]) {
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, project), '--outDir', join(out, dir)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed = true;
}
mkdirSync(join(out, 'cjs'), { recursive: true });
writeFileSync(join(out, 'cjs/package.json'), '{ "type": "commonjs" }\n');

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (p.endsWith('.js')) yield p;
  }
}
for (const file of walk(join(out, 'cjs'))) {
  const src = readFileSync(file, 'utf8');
  if (src.includes('import.meta.url')) {
    writeFileSync(file, src.replaceAll('import.meta.url', "require('node:url').pathToFileURL(__filename).href"));
  }
}
const old = join(root, `dist.old-${process.pid}`);
try {
  renameSync(join(root, 'dist'), old);
} catch {
  // No dist/ yet.
}
renameSync(out, join(root, 'dist'));
rmSync(old, { recursive: true, force: true });
if (failed && !loose) {
  console.error('build: TypeScript reported errors');
  process.exit(1);
}
