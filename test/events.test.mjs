// 'rotate' and 'remove' events, emitted once per rotation or deletion, by the process that made it.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConcurrentRotatingFileHandler, ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
import { tempDir } from './helpers/core.mjs';

function record(events, h) {
  h.on('rotate', (e) => events.push(['rotate', e]));
  h.on('remove', (e) => events.push(['remove', e]));
  return h;
}

for (const shared of [true, false]) {
  test(`size handler (shared: ${shared}): one 'rotate' per rotation, 'remove' when backupCount drops the oldest`, async (t) => {
    const dir = tempDir('cl-events-');
    const base = join(dir, 'app.log');
    const events = [];
    const h = record(events, new ConcurrentRotatingFileHandler(base, { maxBytes: 20, backupCount: 2, shared }));
    for (let i = 0; i < 4; i++) {
      h.write(`record ${i} xxxxxx\n`); // 16 bytes: one per file
      await h.flush();
    }
    await h.close();
    await new Promise((r) => setTimeout(r, 50)); // the flusher's announcements cross a thread
    t.deepEqual(events, [
      ['rotate', { source: base, dest: `${base}.1` }],
      ['rotate', { source: base, dest: `${base}.1` }],
      ['remove', { path: `${base}.2`, reason: 'backupCount' }],
      ['rotate', { source: base, dest: `${base}.1` }],
    ]);
  });
}

test("timed handler: 'rotate' names the period's file; retention's 'remove' says why", async (t) => {
  const dir = tempDir('cl-events-');
  const base = join(dir, 'app.log');
  writeFileSync(join(dir, 'app.log.2020-01-01_00-00-00'), 'old\n');
  const events = [];
  const T0 = Date.UTC(2026, 0, 1);
  const h = record(
    events,
    new ConcurrentTimedRotatingFileHandler(base, { when: 'S', utc: true, delay: true, maxAge: '30d', shared: false }),
  );
  h.write('a\n', T0);
  h.write('b\n', T0 + 1000);
  await h.close();
  t.deepEqual(events, [
    ['remove', { path: join(dir, 'app.log.2020-01-01_00-00-00'), reason: 'maxAge' }],
    ['rotate', { source: base, dest: `${base}.2026-01-01_00-00-00` }],
    ['remove', { path: `${base}.2026-01-01_00-00-00`, reason: 'maxAge' }],
  ]);
});
