// Reads a log rotated by size (base.N ... base.1, base) or by time with maxBytes
// (base.<suffix>[.<part>], base) and checks what both promise, with the chaos records' checksums:
// every record whole and once, each thread's records in order across files, no file over maxBytes
// unless it holds a single record, no file rotated for size before it had to be (so no rotation
// happened twice), and with time every record in the file of its own second.
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, dirname, basename } from 'node:path';
import { lockOf, runChild, tempDir } from './core.mjs';
import { parseRecord } from '../../bench/chaos/records.mjs';

const SECOND = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})$/;

/**
 * The files of `base`, oldest first: `{ name, second, part, text }`. `timed`: names are
 * base.<UTC second>[.<part>] (part 0 for the plain name, the base file last); otherwise base.<n>.
 */
export function readRotated(base, { timed = false, ignore = null } = {}) {
  const dir = dirname(base);
  const stem = basename(base);
  const files = [];
  const strangers = [];
  for (const name of readdirSync(dir)) {
    if (name === basename(lockOf(base)) || ignore?.test(name)) continue;
    if (!(name === stem || name.startsWith(stem + '.'))) {
      strangers.push(name);
      continue;
    }
    const parts = name === stem ? [] : name.slice(stem.length + 1).split('.');
    const gz = parts.at(-1) === 'gz' ? parts.pop() : null;
    const raw = readFileSync(join(dir, name));
    const text = (gz ? gunzipSync(raw) : raw).toString('utf8');
    // The base file sorts last; without time, every file is in "second" 0 and ordered by part.
    let second = timed ? Infinity : 0;
    let part = 0;
    if (timed && parts.length > 0) {
      const m = SECOND.exec(parts[0]);
      if (!m || parts.length > 2 || (parts.length === 2 && !/^[1-9]\d*$/.test(parts[1]))) strangers.push(name);
      else second = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
      part = parts.length === 2 ? Number(parts[1]) : 0;
    } else if (!timed && parts.length > 0) {
      if (parts.length !== 1 || !/^[1-9]\d*$/.test(parts[0])) strangers.push(name);
      part = -Number(parts[0]); // base.1 is the newest
    }
    files.push({ name, second, part, text });
  }
  files.sort((a, b) => a.second - b.second || a.part - b.part);
  return { files, strangers };
}

/** Counts of what went wrong (all must be 0) and the records seen. */
export function checkRotated(files, { maxBytes, timed = false }) {
  const out = {
    torn: 0,
    duplicated: 0,
    disordered: 0,
    misplaced: 0,
    oversized: [],
    early: [],
    seen: new Set(),
    bytes: 0,
  };
  const last = new Map();
  for (const [k, f] of files.entries()) {
    if (f.text.length > 0 && !f.text.endsWith('\n')) out.torn++;
    const lines = f.text.split('\n').slice(0, -1);
    for (const line of lines) {
      const r = parseRecord(line);
      if (!r) {
        out.torn++;
        continue;
      }
      if (out.seen.has(r.key)) out.duplicated++;
      out.seen.add(r.key);
      const who = `${r.tag} ${r.thread}`;
      if ((last.get(who) ?? -1) >= r.i) out.disordered++;
      last.set(who, r.i);
      if (timed && f.second !== Infinity && Math.floor(r.ms / 1000) !== f.second) out.misplaced++;
    }
    const bytes = Buffer.byteLength(f.text);
    out.bytes += bytes;
    if (bytes >= maxBytes && lines.length > 1)
      out.oversized.push(`${f.name}: ${bytes} bytes in ${lines.length} records`);
    // A file followed by another of its own period was rotated for size: only when the next record did not fit.
    const next = files[k + 1];
    if (next && (!timed || next.second === f.second)) {
      const first = Buffer.byteLength(next.text.slice(0, next.text.indexOf('\n') + 1));
      if (bytes + first < maxBytes)
        out.early.push(
          `${f.name} (${bytes} bytes) was rotated although ${next.name}'s first record (${first} bytes) fitted`,
        );
    }
  }
  return out;
}

/** Both, as ava assertions: `expected` records, all checks clean. Returns the files. */
export function assertRotated(t, base, { maxBytes, expected, timed = false, ignore = null }) {
  const { files, strangers } = readRotated(base, { timed, ignore });
  t.deepEqual(strangers, [], 'only the base file and its rotated names');
  if (!timed)
    t.deepEqual(
      files.map((f) => 0 - f.part),
      Array.from({ length: files.length }, (_, i) => files.length - 1 - i),
      'numbered without gaps',
    );
  const r = checkRotated(files, { maxBytes, timed });
  t.is(r.torn, 0, 'torn');
  t.is(r.duplicated, 0, 'duplicated');
  t.is(r.disordered, 0, "a thread's records out of order across files");
  t.is(r.misplaced, 0, "a record in another second's file");
  t.deepEqual(r.oversized, [], 'no file over maxBytes unless it holds one record');
  t.deepEqual(r.early, [], 'no rotation for size before it was due');
  t.is(r.seen.size, expected, 'every record once');
  return { files, bytes: r.bytes };
}

/**
 * Runs `procs` processes of test/fixtures/core/size-proc.mjs on one new log (in a folder not made
 * beforehand), each with `threads` worker threads and its main thread writing `n` records; asserts
 * they all exit cleanly with no error reported. Resolves with the base file's path.
 */
export async function processes(t, { procs = 2, threads = 3, n, pad = 60, options }) {
  const base = join(tempDir('cl-size-mp-'), 'logs', 'app.log'); // logs/ is not made beforehand
  const runs = Array.from({ length: procs }, (_, p) =>
    runChild('size-proc.mjs', [base, JSON.stringify(options), `p${p}`, String(threads), String(n), String(pad)]),
  );
  let rotations = 0;
  for (const r of await Promise.all(runs)) {
    t.is(r.code, 0, r.stderr);
    t.is(r.stderr, '', 'no error reported');
    rotations += JSON.parse(r.stdout.trim().split('\n').at(-1)).rotations;
  }
  // The 'rotate' events the processes' handlers emitted, for the caller to compare.
  processes.rotations = rotations;
  return base;
}
