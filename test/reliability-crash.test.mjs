// Crash faults: writer processes SIGKILLed at random moments while others keep writing to the same
// time-rotating log (when='S', rotating every second). The checker itself is tested first, so a
// clean verdict means something.
import test from 'ava';
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/core.mjs';
import { chaosRound } from '../bench/chaos/harness.mjs';
import { readLog, recordLine, missingOf } from '../bench/chaos/records.mjs';

test('the chaos checker finds torn, duplicated, misplaced and missing records', (t) => {
  const dir = tempDir();
  const base = join(dir, 'app.log');
  const s0 = Date.UTC(2025, 5, 15, 12, 0, 0);
  const good = recordLine('p', 0, 0, s0 + 5, 3);
  writeFileSync(join(dir, 'app.log.2025-06-15_12-00-00'), good + good + recordLine('p', 0, 1, s0 + 1000));
  // A record cut short and glued to the next one, then a file ending mid-record.
  const whole = recordLine('p', 0, 2, s0 + 2000, 10);
  writeFileSync(base, whole.slice(0, 12) + recordLine('p', 0, 3, s0 + 2000) + whole.slice(0, 20));
  const log = readLog(base);
  t.is(log.duplicated, 1);
  t.is(log.misplaced, 1);
  t.is(log.torn, 2);
  t.deepEqual(missingOf(log.seen, 'p', [{ thread: 0, n: 4 }]), ['p 0 2', 'p 0 3']);
  // Ended with a newline (as the handler ends a killed writer's fragment): a record cut short, on
  // its own line, told apart from a glued one, which stays torn.
  appendFileSync(base, '\n');
  const sealed = readLog(base);
  t.deepEqual(sealed.cut, ['p']);
  t.is(sealed.torn, 1);
  t.true(sealed.violations.length > 0);
});

test("writers SIGKILLed at random moments leave no torn or duplicated line (a killed writer's record at most cut short, on a line of its own) and the survivors lose nothing", async (t) => {
  let kills = 0;
  for (let round = 0; round < 3; round++) {
    const res = await chaosRound({
      base: join(tempDir(), 'app.log'),
      round,
      procs: 3,
      threads: 2,
      ms: 1200,
      burst: 100,
      killMinMs: 20,
      killMaxMs: 400,
    });
    t.deepEqual(res.violations, [], `round ${round}`);
    t.true(res.survivorRecords > 0);
    t.is(res.lost + res.torn + res.duplicated + res.misplaced, 0);
    kills += res.kills;
  }
  t.true(kills >= 3, `${kills} processes were killed`);
});
