// The rotation journal: the state's `history`, what `concurrent-log follow` reads to know where the
// bytes it was reading went. Both policies add to it through this one function.
import type { RotatedEntry, RotationState } from './rotation.js';

/** How many rotations the on-disk state remembers (late records find their period's file there too). */
const HISTORY_LENGTH = 64;

/** Adds a rotation to the journal: numbered after the last one, the oldest forgotten past HISTORY_LENGTH. */
export function journal(
  state: RotationState,
  start: number,
  end: number,
  file: string,
  entry: Omit<RotatedEntry, 'seq'>,
): void {
  state.seq = (state.seq ?? 0) + 1;
  state.history.push([start, end, file, { seq: state.seq, ...entry }]);
  if (state.history.length > HISTORY_LENGTH) state.history.splice(0, state.history.length - HISTORY_LENGTH);
}
