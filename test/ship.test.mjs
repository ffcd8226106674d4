// The handler's rotation with a real log shipper (issue 14): a private edge rsyslog (imfile,
// inotify) and a central rsyslog on 127.0.0.1, both from ship/rsyslog/*.conf; rsyslog is installed
// with apt-get when missing. Each case writes across rotations (when: 'S') and counts every line
// the central rsyslog wrote. Daemons are stopped in `finally`, even when a case fails.
import test from 'ava';
import { runCase } from '../ship/cases.mjs';
import { ensureRsyslog } from '../ship/rsyslog.mjs';

test.before(() => {
  ensureRsyslog();
});

test('rsyslog imfile (exact name) ships every record once across rotations, plain and gzip', async (t) => {
  for (const compress of [null, 'gzip']) {
    const r = await runCase({ agent: 'imfile', compress, writeMs: 2500 });
    t.log(compress ?? 'plain', r);
    t.true(r.written > 1000);
    t.like(r, { lost: 0, repeated: 0, foreign: 0 }, `${compress ?? 'plain'}: ${JSON.stringify(r)}`);
  }
});

test('follow | logger --tcp into the central rsyslog, the follower stalled 1.5 s across rotations with gzip: nothing lost, nothing repeated', async (t) => {
  const r = await runCase({ agent: 'follow', compress: 'gzip', stallMs: 1500, writeMs: 3000 });
  t.log(r);
  t.true(r.written > 1000);
  t.like(r, { lost: 0, repeated: 0, foreign: 0 }, JSON.stringify(r));
});
