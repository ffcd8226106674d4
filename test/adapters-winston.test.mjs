// winston's own transport contract: the abstract-winston-transport suite (written for mocha) run
// unchanged against ConcurrentLogTransport, each of its cases an ava test, with real files.
import test from 'ava';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterPath } from './fixtures/adapters/resolve.mjs';

const require = createRequire(import.meta.url);
const { ConcurrentLogTransport } = await import(adapterPath('winston'));

const dir = mkdtempSync(join(tmpdir(), 'cl-winston-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/**
 * mocha's BDD globals, as far as the suite uses them (describe, it, before, beforeEach, afterEach,
 * after): loading the suite builds a tree of suites, hooks and cases instead of running anything.
 */
function collect(load) {
  const suite = (title, parent) => ({
    title,
    parent,
    before: [],
    beforeEach: [],
    afterEach: [],
    after: [],
    cases: [],
    children: [],
  });
  const root = suite('', null);
  let current = root;
  const globals = {
    describe(title, fn) {
      const child = suite(title, current);
      current.children.push(child);
      current = child;
      try {
        fn();
      } finally {
        current = child.parent;
      }
    },
    it(title, fn) {
      current.cases.push({ title, fn, suite: current });
    },
    before: (fn) => current.before.push(fn),
    beforeEach: (fn) => current.beforeEach.push(fn),
    afterEach: (fn) => current.afterEach.push(fn),
    after: (fn) => current.after.push(fn),
  };
  const saved = Object.fromEntries(Object.keys(globals).map((k) => [k, globalThis[k]]));
  Object.assign(globalThis, globals);
  try {
    load();
  } finally {
    Object.assign(globalThis, saved);
  }
  return root;
}

/** A hook or case as mocha runs it: with a `done` callback if it takes one, else sync or a promise; 2 s timeout. */
function call(fn, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: timeout of 2000ms exceeded`)), 2000);
    const finish = (err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    try {
      if (fn.length > 0) {
        let calls = 0;
        fn.call({}, (err) => {
          if (++calls > 1) finish(new Error(`${what}: done() called multiple times`));
          else finish(err);
        });
      } else {
        Promise.resolve(fn.call({})).then(() => finish(), finish);
      }
    } catch (err) {
      finish(err);
    }
  });
}

function path(suite) {
  const titles = [];
  for (let s = suite; s; s = s.parent) if (s.title) titles.unshift(s.title);
  return titles;
}

// Our transport as the suite gets it: each instance counts its log() calls and is ended after the
// case, so that the records the case logged can be counted in its file.
let made = [];
let n = 0;
class ConcurrentLog extends ConcurrentLogTransport {
  logged = 0;
  log(info, callback) {
    this.logged++;
    return super.log(info, callback);
  }
}
const contract = collect(() =>
  require('abstract-winston-transport')({
    name: 'ConcurrentLog',
    Transport: function ConcurrentLogTransport(options) {
      const transport = new ConcurrentLog(options);
      made.push(transport);
      return transport;
    },
    construct: () => ({ filename: join(dir, `case-${++n}.log`) }),
    // Its optional `query` and `stream` suites are empty files in 0.5.1 (requiring them gives {}, not a suite).
  }),
);

const cases = [];
(function walk(suite) {
  cases.push(...suite.cases);
  suite.children.forEach(walk);
})(contract);

test('abstract-winston-transport defines the cases run below', (t) => {
  t.true(cases.length >= 4, `${cases.length} cases`);
});

const suites = [];
(function walk(suite) {
  suites.push(suite);
  suite.children.forEach(walk);
})(contract);
test.serial.before('abstract-winston-transport: before hooks', async () => {
  for (const s of suites) for (const fn of s.before) await call(fn, `${path(s).join(' ')} before`);
});
test.after.always('abstract-winston-transport: after hooks', async () => {
  for (const s of suites.slice().reverse()) for (const fn of s.after) await call(fn, `${path(s).join(' ')} after`);
});

for (const c of cases) {
  const chain = [];
  for (let s = c.suite; s; s = s.parent) chain.unshift(s);
  const title = [...path(c.suite), c.title].join(' › ');
  test.serial(title, async (t) => {
    made = [];
    for (const s of chain) for (const fn of s.beforeEach) await call(fn, `${title} beforeEach`);
    await call(c.fn, title);
    for (const s of chain.slice().reverse()) for (const fn of s.afterEach) await call(fn, `${title} afterEach`);
    // Every record the case logged is in its file, whole, once.
    for (const transport of made) {
      await new Promise((resolve) => transport.end(resolve));
      // A transport that logged nothing may not have made its file (the core creates it with the first batch).
      const text =
        transport.logged === 0 && !existsSync(transport.handler.filename)
          ? ''
          : readFileSync(transport.handler.filename, 'utf8');
      const lines = text.split('\n').slice(0, -1);
      t.is(lines.length, transport.logged, `${transport.handler.filename}: one line per log() call`);
      for (const line of lines) t.is(JSON.parse(line).message, 'foo');
    }
    t.pass();
  });
}
