// The package as a user installs it: packed with `npm pack` (with the committed prebuilt binaries),
// installed into a fresh folder with --ignore-scripts (as pnpm 10 does by default: no build step),
// then used with default options. Without any binary the constructor throws a clear error.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, ROOT } from './helpers/core.mjs';

const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

/** Packs a copy of the package (so its build does not touch this checkout's build/) and installs it. */
function installPacked() {
  const work = tempDir('cl-pack-');
  const copy = join(work, 'package');
  mkdirSync(copy);
  for (const f of [
    'package.json',
    'tsconfig.json',
    'tsconfig.cjs.json',
    'README.md',
    'docs',
    'LICENSE',
    'dist',
    'bin',
    'native',
    'src',
    'scripts',
    'prebuilds',
  ])
    cpSync(join(ROOT, f), join(copy, f), { recursive: true });
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
  t.notRegex(listing, /package\/(native\/)?build\//, 'no build output of this machine in the package');
  t.false(readdirSync(join(app, 'node_modules', 'concurrent-log')).includes('build'), 'nothing was built on install');
  writeFileSync(join(app, 'quick.mjs'), QUICK_START);
  execFileSync(process.execPath, ['quick.mjs'], { cwd: app });
  t.is(readFileSync(join(app, 'logs', 'app.log'), 'utf8'), 'service started\n');
  // The CommonJS copy (dist/cjs) finds the same package root and binary.
  writeFileSync(join(app, 'quick.cjs'), QUICK_START_CJS);
  execFileSync(process.execPath, ['quick.cjs'], { cwd: app });
  t.is(readFileSync(join(app, 'logs', 'cjs.log'), 'utf8'), 'from require\n');
});

test('the published package holds the docs and the user tools, not the development tools, and says so when one is run', (t) => {
  const { app, tarball } = installed;
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  t.regex(listing, /package\/docs\/handler\.md/);
  t.regex(listing, /package\/dist\/esm\/tools\/cli\/follow\.js/);
  t.notRegex(listing, /package\/(src|dist\/(esm|cjs))\/dev\//, 'no conformance simulator or stress harness');
  const bin = join(app, 'node_modules', '.bin', 'concurrent-log');
  const help = spawnSync(bin, ['follow', '--help'], { cwd: app, encoding: 'utf8' });
  t.is(help.status, 0, help.stderr);
  for (const cmd of ['stress', 'conformance']) {
    const r = spawnSync(bin, [cmd], { cwd: app, encoding: 'utf8' });
    t.is(r.status, 2, cmd);
    t.regex(r.stderr, new RegExp(`'${cmd}' is a development command, not in the published package`));
  }
});

test('with no binary for the platform, the constructor throws a NativeAddonError saying what to run', (t) => {
  const { app } = installed;
  const pkg = join(app, 'node_modules', 'concurrent-log');
  const bare = join(app, 'bare');
  cpSync(pkg, bare, { recursive: true });
  rmSync(join(bare, 'prebuilds'), { recursive: true, force: true });
  // The package's own dependencies resolve from the app's node_modules.
  writeFileSync(
    join(app, 'bare.mjs'),
    `
import { ConcurrentTimedRotatingFileHandler } from './bare/dist/esm/index.js';
try {
  new ConcurrentTimedRotatingFileHandler('logs/bare.log');
  console.log(JSON.stringify({ threw: false }));
} catch (err) {
  console.log(JSON.stringify({ threw: true, name: err.name, code: err.code, message: err.message }));
}
`,
  );
  const r = spawnSync(process.execPath, ['bare.mjs'], { cwd: app, encoding: 'utf8' });
  const out = JSON.parse(r.stdout.trim());
  t.true(out.threw, 'a handler that would drop every record must not be made');
  t.is(out.name, 'NativeAddonError');
  t.is(out.code, 'ERR_CONCURRENT_LOG_NATIVE');
  t.false(readdirSync(app).includes('logs') && readdirSync(join(app, 'logs')).includes('bare.log'));
  // The command the message names builds the addon from source, and then the handler works.
  const command = /`cd (\S+) && (npx --yes node-gyp rebuild)`/.exec(out.message);
  t.truthy(command, out.message);
  t.is(command[1], join(bare, 'native'));
  execFileSync('sh', ['-c', command[2]], { cwd: command[1], stdio: 'ignore' });
  const again = spawnSync(process.execPath, ['bare.mjs'], { cwd: app, encoding: 'utf8' });
  t.deepEqual(JSON.parse(again.stdout.trim()), { threw: false }, again.stderr);
});

test('the package has no install script, so npm 11 and pnpm 10 install it without a build-script warning', (t) => {
  const { tarball } = installed;
  const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  for (const s of ['preinstall', 'install', 'postinstall']) t.is(pkg.scripts?.[s], undefined, s);
  // npm and pnpm infer `node-gyp rebuild` as the install script of a package with a binding.gyp at its root.
  t.false(execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').includes('package/binding.gyp'));
  const work = tempDir('cl-pm-');
  for (const [pm, args] of [
    ['npm', ['install', '--no-audit', '--no-fund', tarball]],
    ['pnpm', ['add', tarball]],
  ]) {
    const app = join(work, pm);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
    const bin = pm === 'npm' ? 'npm' : join(ROOT, 'node_modules', '.bin', 'pnpm');
    const r = spawnSync(bin, args, {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    t.is(r.status, 0, `${pm}: ${r.stdout}${r.stderr}`);
    t.notRegex(
      r.stdout + r.stderr,
      /install-scripts|build scripts|approve-builds|concurrent-log.*(install|postinstall)/i,
      pm,
    );
    writeFileSync(join(app, 'quick.mjs'), QUICK_START);
    execFileSync(process.execPath, ['quick.mjs'], { cwd: app });
    t.is(readFileSync(join(app, 'logs', 'app.log'), 'utf8'), 'service started\n', pm);
  }
});
