// CPython's RotatingFileHandler vectors (test/fixtures/oracle/size_vectors.json.gz, gen_size_vectors.py)
// replayed through the shipped ConcurrentRotatingFileHandler on real files: each case gets a temp
// folder with its `existing` files, its messages are written one by one (shared: false, so each
// write is on disk, under the lock, when it returns), and the folder after close() is compared
// with CPython's — with `expectBytes` where CPython's count of characters differs from ours in bytes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConcurrentRotatingFileHandler } from '../logging/file-handler.js';
import { lockFilePath, type Namer } from '../core/options.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface SizeCase {
  id: number;
  maxBytes: number;
  backupCount: number;
  delay: boolean;
  namer: 'gz' | 'ext_before' | null;
  existing: Record<string, string[]>;
  messages: string[];
  expect: SizeExpect;
  expectBytes?: SizeExpect;
}

interface SizeExpect {
  rollovers?: number[];
  files?: Record<string, string[]>;
  error?: string;
  message?: string;
}

/** passed: CPython's folder and rollovers; kept: the same folder, without CPython's no-op rollovers. */
export type SizeStatus = 'passed' | 'kept' | 'failed';

export interface SizeFailure {
  id: number;
  detail: string;
  expected: Json;
  got: Json;
}

export interface SizeResult {
  counts: Record<SizeStatus, number>;
  failures: SizeFailure[];
}

/**
 * The namers gen_size_vectors.py installs, as self-contained functions (they run in the thread that
 * writes, which revives them from source).
 */
const NAMERS: Record<'gz' | 'ext_before', Namer> = {
  gz: (name) => `${name}.gz`,
  // test.log.3 -> test.3.log; test.log stays.
  ext_before: (name) => {
    const slash = name.lastIndexOf('/') + 1;
    const parts = name.slice(slash).split('.');
    const n = parts.length;
    if (n >= 3 && /^[0-9]+$/.test(parts[n - 1]!)) parts.splice(n - 2, 2, parts[n - 1]!, parts[n - 2]!);
    return name.slice(0, slash) + parts.join('.');
  },
};

/** Whether a parsed vectors file is size_vectors.json: its cases have `maxBytes` and `messages`. */
export function isSizeVectors(doc: unknown): doc is { cases: SizeCase[] } {
  const cases = (doc as { cases?: unknown })?.cases;
  return (
    Array.isArray(cases) &&
    cases.length > 0 &&
    cases.every(
      (c) => typeof c === 'object' && c !== null && 'maxBytes' in c && Array.isArray((c as SizeCase).messages),
    )
  );
}

/** Python's `data.split("\n")[:-1] if data.endswith("\n") else ...`, as gen_size_vectors.py reads files back. */
function pyLines(data: string): string[] {
  if (data.endsWith('\n')) return data.split('\n').slice(0, -1);
  return data ? data.split('\n') : [];
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** One case on real files; what CPython's generator records: rollovers and the folder after close(). */
async function replay(c: SizeCase, root: string): Promise<SizeExpect> {
  const dir = mkdtempSync(join(root, `${c.id}-`));
  for (const [name, lines] of Object.entries(c.existing))
    writeFileSync(join(dir, name), lines.map((l) => `${l}\n`).join(''));
  const base = join(dir, 'test.log');
  let error: Error | null = null;
  const h = new ConcurrentRotatingFileHandler(base, {
    maxBytes: c.maxBytes,
    backupCount: c.backupCount,
    delay: c.delay,
    encoding: 'utf-8',
    namer: c.namer === null ? null : NAMERS[c.namer],
    shared: false,
    ringSize: 64 * 1024,
    onError: (e) => (error ??= e),
  });
  const rollovers: number[] = [];
  c.messages.forEach((m, i) => {
    const record = `${m}\n`;
    const before = sizeOf(base);
    h.write(record);
    // The base file was non-empty and now holds only this record: it was rotated first.
    if (before > 0 && sizeOf(base) === Buffer.byteLength(record)) rollovers.push(i);
  });
  await h.close();
  if (error) return { error: (error as Error).name, message: (error as Error).message };
  const lock = lockFilePath(base);
  const files: Record<string, string[]> = {};
  for (const name of readdirSync(dir).sort()) {
    if (join(dir, name) !== lock) files[name] = pyLines(readFileSync(join(dir, name), 'utf8'));
  }
  return { rollovers, files };
}

export async function runSizeVectors(cases: SizeCase[]): Promise<SizeResult> {
  const result: SizeResult = { counts: { passed: 0, kept: 0, failed: 0 }, failures: [] };
  const root = mkdtempSync(join(tmpdir(), 'cl-size-conformance-'));
  try {
    for (const c of cases) {
      const expected = c.expectBytes ?? c.expect;
      let got: SizeExpect;
      try {
        got = await replay(c, root);
      } catch (e) {
        got = { error: (e as Error).name, message: (e as Error).message };
      }
      if (isDeepStrictEqual(got, expected)) {
        result.counts.passed++;
      } else if (
        // Deviation: with backupCount 0 CPython's doRollover only closes and reopens the same file;
        // we never call it. The folder must be CPython's exactly.
        (c.backupCount === 0 || c.maxBytes === 0) &&
        got.rollovers?.length === 0 &&
        isDeepStrictEqual(got.files, expected.files)
      ) {
        result.counts.kept++;
      } else {
        result.counts.failed++;
        result.failures.push({
          id: c.id,
          detail: c.expectBytes ? 'folder after close (expectBytes)' : 'folder after close',
          expected: expected as Json,
          got: got as Json,
        });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return result;
}
