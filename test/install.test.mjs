// The package as a user installs it: packed with `npm pack` (with the committed prebuilt binaries),
// installed into a fresh folder with --ignore-scripts (as pnpm 10 does by default: no build step),
// then used with default options. Without any binary the constructor throws a clear error.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, ROOT } from './helpers/core.mjs';

const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

/** Packs a copy of the package (so its build does not touch this checkout's build/) and installs it. */
function installPacked() {
  const work = tempDir('cl-pack-');
  const copy = join(work, 'package');
  mkdirSync(copy);
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.cjs.json', 'binding.gyp', 'README.md', 'LICENSE', 'dist', 'bin', 'native', 'src', 'scripts', 'prebuilds']) cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const tarball = npm(['pack', '--pack-destination', work], copy).trim().split('\n').at(-1);
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  npm(['install', '--ignore-scripts', join(work, tarball)], app);
  return { app, tarball: join(work, tarball) };
}

let installed;
test.before(() => {
  installed = installPacked();
});

const QUICK_START = `
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
const handler = new ConcurrentTimedRotatingFileHandler('logs/app.log');
handler.write('service started\\n');
await handler.close();
`;
const QUICK_START_CJS = `
const { ConcurrentTimedRotatingFileHandler } = require('concurrent-log');
const handler = new ConcurrentTimedRotatingFileHandler('logs/cjs.log');
handler.write('from require\\n');
handler.close().then(() => {});
`;

test('installed from the packed tarball with --ignore-scripts, the quick start logs with default options', (t) => {
  const { app, tarball } = installed;
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  t.regex(listing, /package\/prebuilds\/linux-x64\/concurrent-log\.glibc\.node/);
  t.notRegex(listing, /package\/build\//, 'no build output of this machine in the package');
  t.false(readdirSync(join(app, 'node_modules', 'concurrent-log')).includes('build'), 'nothing was built on install');
  writeFileSync(join(app, 'quick.mjs'), QUICK_START);
  execFileSync(process.execPath, ['quick.mjs'], { cwd: app });
  t.is(readFileSync(join(app, 'logs', 'app.log'), 'utf8'), 'service started\n');
  // The CommonJS copy (dist/cjs) finds the same package root and binary.
  writeFileSync(join(app, 'quick.cjs'), QUICK_START_CJS);
  execFileSync(process.execPath, ['quick.cjs'], { cwd: app });
  t.is(readFileSync(join(app, 'logs', 'cjs.log'), 'utf8'), 'from require\n');
});

test('with no binary for the platform, the constructor throws a NativeAddonError saying what to run', (t) => {
  const { app } = installed;
  const pkg = join(app, 'node_modules', 'concurrent-log');
  const bare = join(app, 'bare');
  cpSync(pkg, bare, { recursive: true });
  rmSync(join(bare, 'prebuilds'), { recursive: true, force: true });
  // The package's own dependencies resolve from the app's node_modules.
  writeFileSync(join(app, 'bare.mjs'), `
import { ConcurrentTimedRotatingFileHandler } from './bare/dist/esm/index.js';
try {
  new ConcurrentTimedRotatingFileHandler('logs/bare.log');
  console.log(JSON.stringify({ threw: false }));
} catch (err) {
  console.log(JSON.stringify({ threw: true, name: err.name, code: err.code, message: err.message }));
}
`);
  const r = spawnSync(process.execPath, ['bare.mjs'], { cwd: app, encoding: 'utf8' });
  const out = JSON.parse(r.stdout.trim());
  t.true(out.threw, 'a handler that would drop every record must not be made');
  t.is(out.name, 'NativeAddonError');
  t.is(out.code, 'ERR_CONCURRENT_LOG_NATIVE');
  t.regex(out.message, /npm rebuild concurrent-log/);
  t.regex(out.message, /pnpm/);
  t.false(readdirSync(app).includes('logs') && readdirSync(join(app, 'logs')).includes('bare.log'));
});
