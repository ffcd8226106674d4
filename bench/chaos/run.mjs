#!/usr/bin/env node
// `npm run chaos`: crash-fault injection. Each run starts `--procs - 1` writer processes (each with
// `--threads` threads) on one time-rotating log (when='S', so it rotates every second) and, while
// they write for `--seconds`, starts victim writers on the same log one after another and SIGKILLs
// each at a random moment. Then every file is read back: no torn line, no duplicate, every
// survivor's record present exactly once, every record in its own second's file (one rotation per
// period). Prints what it saw; exits 1 on any violation.
//   npm run chaos -- --rounds 20 --procs 4 --threads 3 --seconds 3
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosRound } from './harness.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    procs: { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run chaos -- [--rounds N] [--procs N (>= 2)] [--threads N] [--seconds S] [--keep]');
  process.exit(0);
}
const rounds = Number(values.rounds);
const procs = Number(values.procs);
const threads = Number(values.threads);
const seconds = Number(values.seconds);
for (const [name, v, min] of [
  ['rounds', rounds, 1],
  ['procs', procs, 2],
  ['threads', threads, 1],
  ['seconds', seconds, 0.2],
]) {
  if (!Number.isFinite(v) || v < min || (name !== 'seconds' && !Number.isInteger(v))) {
    console.error(`chaos: --${name} must be a number >= ${min}, got ${values[name]}`);
    process.exit(2);
  }
}

const total = {
  runs: 0,
  kills: 0,
  lines: 0,
  survivorRecords: 0,
  victimRecords: 0,
  rotated: 0,
  lost: 0,
  torn: 0,
  duplicated: 0,
  misplaced: 0,
  violations: 0,
};
const started = Date.now();
for (let r = 0; r < rounds; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'cl-chaos-'));
  const res = await chaosRound({
    base: join(dir, 'app.log'),
    round: r,
    procs,
    threads,
    ms: seconds * 1000,
    killMinMs: 20,
    killMaxMs: 600,
  });
  total.runs++;
  for (const k of [
    'kills',
    'lines',
    'survivorRecords',
    'victimRecords',
    'rotated',
    'lost',
    'torn',
    'duplicated',
    'misplaced',
  ])
    total[k] += res[k];
  total.violations += res.violations.length;
  const status = res.violations.length ? 'VIOLATION' : 'ok';
  console.log(
    `run ${r + 1}/${rounds}: ${res.kills} kills, ${res.lines} lines in ${res.files} files (${res.survivorRecords} survivor, ${res.victimRecords} victim records), ${res.lost} lost, ${res.torn} torn, ${res.duplicated} duplicated, ${res.misplaced} misplaced: ${status}`,
  );
  for (const v of res.violations) console.log(`  ${v}`);
  if (res.violations.length || values.keep) console.log(`  files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `chaos: ${total.runs} runs, ${total.kills} kills, ${total.lines} lines (${total.survivorRecords} survivor records, ${total.victimRecords} from killed processes), ${total.rotated} rotations, ${total.lost} lost, ${total.torn} torn, ${total.duplicated} duplicated, ${total.misplaced} misplaced, ${total.violations} violations in ${secs} s: ${total.violations ? 'FAIL' : 'OK'}`,
);
process.exit(total.violations ? 1 : 0);
