// Runs private rsyslog daemons for ship-check and the tests: configs from ship/rsyslog/*.conf with
// their @NAME@ placeholders filled, own work folder, pid file and free loopback ports; never the
// system's rsyslog (no imuxsock, no /dev/log, no system config).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONFS = join(dirname(fileURLToPath(import.meta.url)), 'rsyslog');

/** rsyslogd's path, installing Debian's package with apt-get when it is missing (CI runs as root). */
export function ensureRsyslog() {
  const find = () => {
    for (const p of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']) if (existsSync(p)) return p;
    return null;
  };
  let path = find();
  if (path) return path;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'rsyslog'], { stdio: 'inherit', env });
  path = find();
  if (!path) throw new Error('rsyslogd not found after apt-get install rsyslog');
  return path;
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port (rsyslog is up). */
async function waitListening(port, ms) {
  const { connect } = await import('node:net');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((res) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        res(true);
      });
      c.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`rsyslog did not listen on 127.0.0.1:${port} within ${ms} ms`);
}

/**
 * Starts `rsyslogd -n` with ship/rsyslog/<name>.conf, placeholders from `vars` plus WORKDIR, in
 * `dir`/<name>/. Resolves with { pid, stop() }; stop() ends it (SIGTERM, then SIGKILL after 3 s).
 */
export async function startRsyslog(name, dir, vars, { listenPort = null } = {}) {
  const bin = ensureRsyslog();
  const work = join(dir, name);
  mkdirSync(work, { recursive: true });
  const all = { ...vars, WORKDIR: work };
  const text = readFileSync(join(CONFS, `${name}.conf`), 'utf8').replace(/@([A-Z_]+)@/g, (m, k) => {
    if (!(k in all)) throw new Error(`${name}.conf: no value for ${m}`);
    return String(all[k]);
  });
  const conf = join(work, `${name}.conf`);
  writeFileSync(conf, text);
  execFileSync(bin, ['-N1', '-f', conf], { stdio: 'pipe' }); // config check: fails loudly, names the line
  const child = spawn(bin, ['-n', '-f', conf, '-i', join(work, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((res) => child.on('exit', res));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // a stopped daemon does not act on SIGTERM
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  try {
    if (listenPort !== null) await waitListening(listenPort, 5000);
    else await new Promise((r) => setTimeout(r, 300));
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n${stderr}`, { cause: err });
  }
  if (child.exitCode !== null) throw new Error(`rsyslogd (${name}) exited at start: ${stderr}`);
  return { pid: child.pid, child, stop, stderr: () => stderr };
}
