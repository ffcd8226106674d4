// Several processes racing the same rollovers on one file: each period is rotated exactly once,
// and every record - late ones included - ends in its own second's file.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, runChild } from './helpers/core.mjs';

const SECONDS = 8;
const PER = 2000;

async function race(t, modes) {
  const dir = tempDir();
  const file = join(dir, 'app.log');
  const startAt = String(Date.now() + 1500);
  const results = await Promise.all(
    modes.map((mode, p) => runChild('race-writer.mjs', [file, `p${p}`, mode, String(SECONDS), String(PER), startAt])),
  );
  for (const r of results) t.is(r.code, 0, r.stderr);
  const names = readdirSync(dir)
    .filter((f) => f.startsWith('app.log'))
    .sort();
  const expectedNames = ['app.log', ...Array.from({ length: SECONDS - 1 }, (_, s) => `app.log.2025-06-15_12-00-0${s}`)];
  t.deepEqual(names, expectedNames, 'one rotated file per second: every rollover happened once');
  const state = JSON.parse(readFileSync(join(dir, '.app.log.lock'), 'utf8'));
  t.is(state.gen, SECONDS - 1, 'the shared state counts one rotation per period');
  let total = 0;
  for (const name of names) {
    const second = name === 'app.log' ? SECONDS - 1 : Number(name.slice(-1));
    const got = readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);
    total += got.length;
    t.true(
      got.every((l) => l.split(' ')[1] === `s${second}`),
      `${name} holds only second ${second}`,
    );
    t.is(new Set(got).size, got.length, `${name} has no duplicate`);
  }
  const latePerSecond = PER / 10;
  t.is(total, modes.length * (SECONDS * PER + (SECONDS - 1) * latePerSecond));
}

test('four processes with shared buffers racing every rollover rotate each period once', (t) =>
  race(t, ['shared', 'shared', 'shared', 'shared']));

test('shared-buffer and fallback processes racing every rollover rotate each period once', (t) =>
  race(t, ['shared', 'fallback', 'shared', 'fallback']));
