// The package's shape: importing the logger loads no tool, no layer imports one above it, and the
// ESM and CommonJS copies of the logging layer share one state.
import test from 'ava';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './helpers/core.mjs';

const DIST = join(ROOT, 'dist', 'esm');

/** Every module `entry` loads, statically or by a literal dynamic import, and the packages it names. */
function graph(entry) {
  const files = new Set();
  const packages = new Set();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop();
    if (files.has(f)) continue;
    files.add(f);
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm,
    )) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.split('/')[0]);
    }
  }
  return { files: [...files].map((f) => relative(DIST, f)), packages: [...packages] };
}

/**
 * What importing a bundled entry (dist/bundle, what `import` resolves to) really loads, from the
 * build's metafile: the source modules in it and its chunks, and the packages they import.
 */
function bundled(name) {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'meta.json'), 'utf8'));
  const modules = new Set();
  const packages = new Set();
  const todo = [`bundle/${name}.js`];
  for (const seen = new Set(); todo.length;) {
    const out = todo.pop();
    if (seen.has(out)) continue;
    seen.add(out);
    for (const input of Object.keys(meta.outputs[out].inputs)) modules.add(input.replace(/^esm\//, ''));
    for (const i of meta.outputs[out].imports) {
      if (!i.external) todo.push(i.path);
      else if (i.kind === 'import-statement' && !i.path.startsWith('node:')) packages.add(i.path.split('/')[0]);
    }
  }
  return { modules: [...modules], packages: [...packages] };
}

const LAYERS = ['errors.js', 'time/', 'core/', 'logging/', 'adapters/', 'tools/', 'dev/'];
const layerOf = (f) => LAYERS.findIndex((l) => f === l || f.startsWith(l));

test('import "concurrent-log" loads no CLI, verifier, stress or benchmark module, and not piscina', (t) => {
  const { files, packages } = graph(join(DIST, 'index.js'));
  t.true(files.includes('core/file.js'));
  t.deepEqual(
    files.filter((f) => f.startsWith('tools/') || f.startsWith('dev/')),
    [],
  );
  t.false(packages.includes('piscina'));
});

test('the bundle import resolves to holds the same: no tool, no piscina; each adapter without the logging layer', (t) => {
  const { modules, packages } = bundled('index');
  t.true(modules.includes('core/file.js'));
  t.deepEqual(
    modules.filter((f) => f.startsWith('tools/') || f.startsWith('dev/')),
    [],
  );
  t.false(packages.includes('piscina'));
  for (const name of ['pino', 'winston', 'log4js'])
    t.deepEqual(
      bundled(name).modules.filter((f) => f.startsWith('logging/')),
      [],
      name,
    );
  // And it is what the package's `import` condition names.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  t.is(pkg.exports['.'].import.default, './dist/bundle/index.js');
});

test('each adapter loads the core, not the Python-style logging layer', (t) => {
  for (const name of ['pino', 'winston', 'log4js']) {
    const { files } = graph(join(DIST, 'adapters', `${name}.js`));
    t.true(files.includes('core/file.js'), name);
    t.deepEqual(
      files.filter((f) => f.startsWith('logging/')),
      [],
      name,
    );
  }
});

test('no module imports from a layer above its own (errors < time < core < logging < adapters < tools < dev)', (t) => {
  const offenders = [];
  for (const entry of [
    'index.js',
    'tools/index.js',
    'adapters/pino.js',
    'adapters/winston.js',
    'adapters/log4js.js',
    'dev/stress.js',
    'dev/conformance.js',
  ]) {
    for (const f of graph(join(DIST, entry)).files) {
      if (f === 'index.js') continue;
      const src = readFileSync(join(DIST, f), 'utf8');
      for (const m of src.matchAll(/from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
        const to = relative(DIST, resolve(dirname(join(DIST, f)), m[1] ?? m[2]));
        if (existsSync(join(DIST, to)) && layerOf(to) > layerOf(f)) offenders.push(`${f} -> ${to}`);
      }
    }
  }
  t.deepEqual([...new Set(offenders)], []);
});

test('the ESM and CommonJS copies loaded in one process share one logging state', (t) => {
  const script = `
    const esm = await import('concurrent-log');
    const { createRequire } = await import('node:module');
    const cjs = createRequire(process.cwd() + '/x.js')('concurrent-log');
    const same = esm.getLogger('a.b') === cjs.getLogger('a.b') && esm.root === cjs.root;
    cjs.addLevelName(25, 'NOTICE');
    console.log(JSON.stringify({ same, level: esm.getLevelName(25) }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  t.deepEqual(JSON.parse(out), { same: true, level: 'NOTICE' });
});

/** Each source module's imports of other source modules (type-only ones too), as paths under src/. */
function sourceImports() {
  const SRC = join(ROOT, 'src');
  const edges = new Map();
  for (const f of readdirSync(SRC, { recursive: true }).filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))) {
    const src = readFileSync(join(SRC, f), 'utf8');
    const to = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.[^'"]+)\.js['"]/g)].map((m) =>
      relative(SRC, resolve(dirname(join(SRC, f)), `${m[1]}.ts`)),
    );
    edges.set(f, to);
  }
  return edges;
}

test('no import circle among the source modules, type-only imports included', (t) => {
  const edges = sourceImports();
  t.true(edges.has('core/rotation/appender.ts'));
  const circles = [];
  const state = new Map(); // 1: on the path, 2: done
  const path = [];
  const visit = (f) => {
    state.set(f, 1);
    path.push(f);
    for (const g of edges.get(f) ?? []) {
      if (state.get(g) === 1) circles.push([...path.slice(path.indexOf(g)), g].join(' -> '));
      else if (!state.has(g)) visit(g);
    }
    path.pop();
    state.set(f, 2);
  };
  for (const f of edges.keys()) if (!state.has(f)) visit(f);
  t.deepEqual(circles, []);
});

test('src/core is split by concern: no module directly in it but the handler, its options and opening', (t) => {
  const top = readdirSync(join(ROOT, 'src', 'core')).filter((f) => f.endsWith('.ts'));
  t.deepEqual(top.sort(), ['encoding.ts', 'file.ts', 'open.ts', 'options.ts']);
});
