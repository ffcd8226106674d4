// Shared by the core handler's tests: temp dirs, child processes, and both verifiers.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork, execFileSync } from 'node:child_process';
import { verifyRun } from 'concurrent-log/tools';
import { lockFilePath } from 'concurrent-log';
import { ensureTool } from './tools.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/core');
// The independent verifier of ../shared/stress/verify.py, vendored so that a clone needs no sibling folder
// (.ci/run checks the copy still matches the shared one when that is present).
export const VERIFY_PY = join(ROOT, 'test/fixtures/shared/verify.py');

export function tempDir(prefix = 'cl-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs a fixture in a child process and resolves with its exit code, stdout and stderr. */
export function runChild(script, args, { env = {}, execArgv = [] } = {}) {
  return new Promise((res, rej) => {
    const child = fork(join(FIXTURES, script), args, {
      env: { ...process.env, ...env },
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let err = '';
    let out = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stderr: err, stdout: out }));
  });
}

/** Deals task ids 0..tasks-1 round-robin over `procs` processes. */
export function deal(tasks, procs) {
  return Array.from({ length: procs }, (_, p) =>
    Array.from({ length: tasks }, (_, i) => i)
      .filter((i) => i % procs === p)
      .join(','),
  );
}

/** Our verifier and CPython-side verify.py, on the same files; both must agree. */
export async function verifyBoth(base, { tasks, n, when = 'S', utc = false }) {
  const ours = await verifyRun(base, { tasks, n, when, utc });
  const args = [VERIFY_PY, base, '--tasks', String(tasks), '--n', String(n), '--when', when, '--json'];
  if (utc) args.push('--utc');
  ensureTool('python3');
  let out;
  try {
    out = execFileSync('python3', args, { encoding: 'utf8' });
  } catch (e) {
    out = e.stdout; // exits 1 when something is lost; the JSON is still printed
  }
  const py = JSON.parse(out.split('\n').find((l) => l.startsWith('{')));
  return { ours, py };
}

export function filesIn(dir) {
  return readdirSync(dir).sort();
}

export function lines(path) {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}

/** The default lock and state file of a log (the dot-file `.<basename>.lock` beside it). */
export function lockOf(file) {
  return lockFilePath(file);
}

/**
 * Resolves with the first reported error `match` accepts (rejects after `ms`): the flusher thread's
 * reports cross to the handler's thread as messages, so they may come a moment after the call that
 * met the fault.
 */
export async function reported(errors, match, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = errors.find(match);
    if (e) return e;
    if (Date.now() > deadline)
      throw new Error(`not reported within ${ms} ms; got: ${errors.map((x) => x.message).join(' | ') || 'nothing'}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
