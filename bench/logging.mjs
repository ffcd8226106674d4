#!/usr/bin/env node
// `npm run bench:logging`: what the Python-style layer costs per record on top of the core, in one
// thread, measured side by side in one run (median of --rounds):
//   core       LogFile.write of a pre-formatted line
//   logging    getLogger().info() with the seed's format minus its caller fields
//   +caller    the seed's format verbatim (%(pathname)s[line:%(lineno)d]): one stack capture per record
//   capture    a one-frame V8 stack capture alone (Error.captureStackTrace with CallSites): the floor
//              of any exact caller lookup in JavaScript
// Prints a table and writes bench/results/logging-<timestamp>.json. Flags: --records 200000 --rounds 3 --json
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as logging from 'concurrent-log';
import { markdownTable, median, parseFlags, saveResults } from './lib/report.mjs';

const opts = parseFlags(
  process.argv.slice(2),
  { records: 200_000, rounds: 3 },
  'usage: node bench/logging.mjs [--records 200000] [--rounds 3] [--json]',
);
const SEED_FORMAT =
  '%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s';
const PLAIN_FORMAT = '%(asctime)s - %(process)d-%(threadName)s - %(levelname)s: %(message)s';
const dir = mkdtempSync(join(tmpdir(), 'concurrent-log-logging-'));
let k = 0;

const perRecord = (t0, n) => ((performance.now() - t0) * 1000) / n;

async function viaLogging(format) {
  const name = `bench${k++}`;
  logging.config.dictConfig({
    version: 1,
    disable_existing_loggers: false,
    formatters: { d: { format, datefmt: '%Y-%m-%d %H:%M:%S' } },
    handlers: {
      f: {
        class: 'logging.handlers.ConcurrentTimedRotatingFileHandler',
        filename: join(dir, `${name}.log`),
        when: 's',
        delay: true,
        formatter: 'd',
        encoding: 'utf-8',
      },
    },
    root: { handlers: ['f'], level: 'DEBUG' },
  });
  const logger = logging.getLogger(name);
  const t0 = performance.now();
  for (let i = 0; i < opts.records; i++) logger.info(`info-1-${i}`);
  const us = perRecord(t0, opts.records);
  await logging.shutdown();
  return us;
}

async function core() {
  const f = new logging.LogFile(join(dir, `core${k++}.log`), { when: 'S', delay: true });
  const t0 = performance.now();
  for (let i = 0; i < opts.records; i++)
    f.write(`2026-11-25 08:00:00 - ${process.pid}-MainThread - INFO: info-1-${i}\n`);
  const us = perRecord(t0, opts.records);
  await f.close();
  return us;
}

const SITES = (_e, s) => s;
function capture() {
  let sink;
  function caller() {
    const prevLimit = Error.stackTraceLimit;
    const prevPrepare = Error.prepareStackTrace;
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = SITES;
    const h = {};
    Error.captureStackTrace(h, caller);
    const site = h.stack[0];
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
    return site.getLineNumber();
  }
  const t0 = performance.now();
  for (let i = 0; i < opts.records; i++) sink = caller();
  return sink === undefined ? NaN : perRecord(t0, opts.records);
}

const steps = { core, logging: () => viaLogging(PLAIN_FORMAT), '+caller': () => viaLogging(SEED_FORMAT), capture };
const runs = Object.fromEntries(Object.keys(steps).map((s) => [s, []]));
try {
  for (let r = 0; r < opts.rounds; r++) for (const [s, fn] of Object.entries(steps)) runs[s].push(await fn());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const rows = Object.keys(steps).map((s) => ({ step: s, usPerRecord: Math.round(median(runs[s]) * 100) / 100 }));
const coreUs = rows[0].usPerRecord;
const result = { ...opts, node: process.version, date: new Date().toISOString(), rows, runs };
const [out] = saveResults('logging', result);
if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
else {
  process.stdout.write(`one thread, ${opts.records} records, median of ${opts.rounds}:\n\n`);
  process.stdout.write(
    markdownTable(
      ['step', 'µs per record', 'vs core'],
      rows.map((r) => [r.step, r.usPerRecord.toFixed(2), `${(r.usPerRecord / coreUs).toFixed(2)}×`]),
    ),
  );
  process.stdout.write(`\nsaved ${out}\n`);
}
