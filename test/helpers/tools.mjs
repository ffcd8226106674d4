// The outside programs some tests run for real (docs/development.md): python3 (verify.py, the
// independent verifier), strace (durable mode), rsyslog (ship), bindfs (netfs). Missing ones are
// installed with apt-get where that can work (root, as in CI and on this project's machines);
// elsewhere the test fails with a message naming the program and its package, never silently.
import { execFileSync, spawnSync } from 'node:child_process';

const found = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const ready = new Map();

/** Makes sure `command` can be run, installing Debian's `aptPackage` when missing; throws a clear error otherwise. */
export function ensureTool(command, aptPackage = command) {
  if (ready.get(command)) return;
  if (!found(command)) {
    const why = [];
    if (process.getuid?.() === 0 && found('apt-get')) {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      try {
        execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
        execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', aptPackage], {
          stdio: 'ignore',
          env,
        });
      } catch (err) {
        why.push(`apt-get install ${aptPackage} failed: ${err.message.split('\n')[0]}`);
      }
    } else why.push('not root, so not installed here');
    if (!found(command)) {
      throw new Error(
        `this test runs ${command}, which is not installed (${why.join('; ') || 'not found after install'}): ` +
          `install Debian's ${aptPackage} (apt-get install ${aptPackage}); docs/development.md lists what the tests need`,
      );
    }
  }
  ready.set(command, true);
}
