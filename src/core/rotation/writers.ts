// Which processes write a log, as its state records them (`procs`): a process joins when it opens
// the log, and a live one with another configuration is followed, not overridden (reconcile.ts).
// Pids alone cannot tell two containers' pid 1 apart, so each carries its namespace.
import { readFileSync, readlinkSync } from 'node:fs';
import type { RotationState, Writer } from './state.js';

/** Seconds after which a writer refreshes its `seen` in the state (one extra state write per writer). */
export const WRITER_REFRESH_S = 30;
/** A writer of another pid namespace that has not been seen for this long is gone. */
const WRITER_STALE_S = 4 * WRITER_REFRESH_S;

/**
 * The boot and pid namespace our pid counts in: two containers may both be pid 1. Without /proc
 * (not Linux) a pid is unique on the machine, and every process shares one namespace, 'host'.
 */
function pidNamespace(): string {
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return 'host';
  }
}
const SELF_NS = pidNamespace();

export function isSelf(w: Writer): boolean {
  return w.pid === process.pid && w.ns === SELF_NS;
}

/** A writer of our namespace is alive if its pid is; another namespace's cannot be asked, and lives while seen recently. */
export function isLive(w: Writer, now: number): boolean {
  return w.ns === SELF_NS ? isAlive(w.pid) : now - w.seen < WRITER_STALE_S;
}

/** The state's writers; a state written before `procs` existed names pids of our own namespace. */
export function writersOf(state: RotationState): Writer[] {
  return state.procs ?? (state.writers ?? []).map((pid) => ({ pid, ns: SELF_NS, seen: 0 }));
}

/** `state` with `others` and this process (seen now) as its writers; `writers` keeps the pids for older readers. */
export function joined(state: RotationState, others: Writer[], now: number): RotationState {
  state.procs = [...others, { pid: process.pid, ns: SELF_NS, seen: Math.trunc(now) }];
  state.writers = state.procs.map((w) => w.pid);
  return state;
}

/** Whether a process with this pid exists (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
