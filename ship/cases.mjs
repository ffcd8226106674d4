// One shipping case of ship-check: a handler writing across rotations (when: 'S'), an agent
// reading the series (rsyslog imfile, or `concurrent-log follow | logger --tcp`), a central
// rsyslog on 127.0.0.1 writing what it receives; then every line counted. Shared by
// bench/ship-check.mjs and test/ship.test.mjs.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRsyslog } from './rsyslog.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WRITER = join(HERE, 'writer.mjs');
const BIN = resolve(HERE, '../bin/concurrent-log.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Counts the central file: `delivered` distinct records, `repeated` extra copies, `lost` never
 * arrived, `foreign` lines that are no record (e.g. gzip bytes read as text by a glob).
 */
export function countDelivered(path, written) {
  const seen = new Uint32Array(written);
  let total = 0;
  let foreign = 0;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^ ?line-(\d+) x{40}$/.exec(line);
    if (m === null || Number(m[1]) >= written) {
      foreign++;
      continue;
    }
    seen[Number(m[1])]++;
    total++;
  }
  let delivered = 0;
  for (const c of seen) if (c > 0) delivered++;
  return { written, delivered, lost: written - delivered, repeated: total - delivered, foreign };
}

function lineCount(path) {
  if (!existsSync(path)) return 0;
  let n = 0;
  const b = readFileSync(path);
  for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
  return n;
}

/**
 * Runs one case. `agent`: 'imfile' (watching `watch`: 'exact' or 'glob') or 'follow'.
 * `stallMs`: SIGSTOP the agent 1 s into the run for that long. Returns the counts.
 */
export async function runCase({
  agent,
  watch = 'exact',
  compress = null,
  compressDelay = 0,
  stallMs = 0,
  writeMs = 4000,
  keep = false,
}) {
  const dir = mkdtempSync(join(tmpdir(), 'cl-ship-'));
  const log = join(dir, 'app.log');
  const central = join(dir, 'central.log');
  const stops = [];
  const port = await freePort();
  try {
    const c = await startRsyslog('central', dir, { PORT: port, OUTPUT: central }, { listenPort: port });
    stops.push(c.stop);
    let stallPid;
    let follower = null;
    if (agent === 'imfile') {
      const e = await startRsyslog('edge', dir, { WATCH: watch === 'glob' ? `${log}*` : log, CENTRAL_PORT: port });
      stops.push(e.stop);
      stallPid = e.pid;
    } else {
      // The follower's stdout is logger's stdin: one message per line, over TCP to the central rsyslog.
      follower = spawn(
        process.execPath,
        [BIN, 'follow', log, '--from-start', '--checkpoint', join(dir, 'follow.pos'), '--poll-ms', '20'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const logger = spawn('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(port), '-t', 'app', '--size', '4096'], {
        stdio: [follower.stdout, 'ignore', 'inherit'],
      });
      const loggerDone = new Promise((r) => logger.on('exit', r));
      stops.push(async () => {
        follower.kill('SIGCONT');
        follower.kill('SIGTERM');
        await loggerDone;
      });
      stallPid = follower.pid;
    }
    const options = { ...(compress ? { compress } : {}), ...(compressDelay ? { compressDelay } : {}) };
    const wrote = new Promise((res, rej) =>
      execFile(process.execPath, [WRITER, log, String(writeMs), JSON.stringify(options)], (err, out) =>
        err ? rej(err) : res(Number(out.trim())),
      ),
    );
    if (stallMs > 0) {
      await sleep(1000);
      process.kill(stallPid, 'SIGSTOP');
      await sleep(stallMs);
      process.kill(stallPid, 'SIGCONT');
    }
    const written = await wrote;
    // Delivered when every record arrived, or when the central file stops growing for 3 s (bounded: 30 s).
    const end = Date.now() + 30_000;
    let last = -1;
    let still = Date.now();
    while (Date.now() < end) {
      const n = lineCount(central);
      if (n >= written && n === last && Date.now() - still >= 500) break;
      if (n !== last) {
        last = n;
        still = Date.now();
      } else if (Date.now() - still >= 3000) break;
      await sleep(100);
    }
    return countDelivered(central, written);
  } finally {
    for (const stop of stops.reverse()) await stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
