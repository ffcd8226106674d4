// npm run ship-check: the handler's rotation with a real log shipper. An edge rsyslog (imfile,
// inotify mode) or `concurrent-log follow | logger --tcp` reads the rotating series while the
// handler writes for --seconds with when: 'S'; a central rsyslog on 127.0.0.1 writes what it
// receives; every line is counted. Prints a table, saves JSON under bench/results/.
import { markdownTable, parseFlags, saveResults } from './lib/report.mjs';
import { runCase } from '../ship/cases.mjs';
import { ensureRsyslog } from '../ship/rsyslog.mjs';

const usage = 'usage: npm run ship-check -- [--seconds 4] [--stall 1500] [--json]';
const opts = parseFlags(process.argv.slice(2), { seconds: 4, stall: 1500 }, usage);
const stall = opts.stall;

const CASES = [
  { name: 'rsyslog imfile, exact name', agent: 'imfile' },
  { name: 'rsyslog imfile, exact name, gzip', agent: 'imfile', compress: 'gzip' },
  { name: `rsyslog imfile, exact name, agent stalled ${stall} ms`, agent: 'imfile', stallMs: stall },
  { name: `rsyslog imfile, glob app.log*, agent stalled ${stall} ms`, agent: 'imfile', watch: 'glob', stallMs: stall },
  {
    name: `rsyslog imfile, exact name, gzip + compressDelay 2, agent stalled ${stall} ms`,
    agent: 'imfile',
    compress: 'gzip',
    compressDelay: 2,
    stallMs: stall,
  },
  { name: `follow \\| logger --tcp, follower stalled ${stall} ms`, agent: 'follow', stallMs: stall },
  {
    name: `follow \\| logger --tcp, gzip, follower stalled ${stall} ms`,
    agent: 'follow',
    compress: 'gzip',
    stallMs: stall,
  },
];

ensureRsyslog();
const rows = [];
for (const c of CASES) {
  const r = await runCase({ ...c, writeMs: opts.seconds * 1000 });
  rows.push({ case: c.name, ...r });
  if (!opts.json) process.stderr.write(`${c.name}: ${JSON.stringify(r)}\n`);
}
const result = { date: new Date().toISOString(), seconds: opts.seconds, stallMs: stall, rows };
const [json] = saveResults('ship-check', result);
if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  process.stdout.write(
    markdownTable(
      ['case', 'written', 'delivered', 'lost', 'repeated', 'not a record'],
      rows.map((r) => [r.case, r.written, r.delivered, r.lost, r.repeated, r.foreign]),
    ),
  );
  process.stdout.write(`\nsaved ${json}\n`);
}
// The follower's cases are the guarantee: any loss or repeat there fails the check.
process.exitCode = rows.filter((r) => r.case.startsWith('follow')).every((r) => r.lost === 0 && r.repeated === 0)
  ? 0
  : 1;
