// The seed's Python example, ported line for line: a process pool (one process per core) and,
// in each process, a thread pool (piscina), all logging through one dictConfig'ed
// ConcurrentTimedRotatingFileHandler that rotates every second (when='s', backupCount=0 keeps all).
//
//   node examples/seed-port.mjs [--dir DIR] [--processes N] [--threads N] [--tasks N] [--lines N]
//
// Defaults are small (a few seconds). The Python original writes 1000 lines per task: --lines 1000.
// This one file plays three parts, as a Python module does under multiprocessing:
// the parent (forks the process pool), a pool process (runs a thread pool), a pool thread (runs task).
import * as logging from 'concurrent-log';
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const role = !isMainThread ? 'thread' : process.env.SEED_PORT_ROLE === 'process' ? 'process' : 'parent';
const dir = role === 'thread' ? workerData.dir : arg('dir', join(process.cwd(), 'seed-port-logs'));
const lines = Number(role === 'thread' ? workerData.lines : arg('lines', 200));

// ---- the seed, line for line -------------------------------------------------------------
const log_conf = {
  'version': 1, 'disable_existing_loggers': false,
  'formatters': {'default': {'format': '%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s', 'datefmt': '%Y-%m-%d %H:%M:%S'}},
  'handlers': {'file': {'level': 'DEBUG', 'class': 'logging.handlers.ConcurrentTimedRotatingFileHandler', 'backupCount': 0, 'when': 's', 'filename': join(dir, 'test.log'), 'encoding': 'utf-8', 'formatter': 'default', 'delay': true}},
  'root': {'handlers': ['file'], 'level': 'DEBUG'},
};
logging.config.dictConfig(log_conf);
const logger = logging.getLogger('seed-port');
export default function task(i) {
    for (let j = 0; j < lines; j++) {
        logger.debug(`debug-${i}-${j}`); logger.info(`info-${i}-${j}`); logger.warning(`警告-${i}-${j}`); logger.error(`报错-${i}-${j}`); logger.critical(`严重-${i}-${j}`);
    }
    return i;
}
// -------------------------------------------------------------------------------------------

if (role === 'parent') {
  // ProcessPoolExecutor(): one process per core, each given its share of the task numbers.
  const processes = Number(arg('processes', availableParallelism()));
  const tasks = Number(arg('tasks', 4));
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: processes }, (_, p) =>
      new Promise((resolve, reject) => {
        const child = fork(new URL(import.meta.url), ['--dir', dir, '--lines', String(lines), '--threads', arg('threads', '4'), '--first', String(p * tasks), '--tasks', String(tasks)], {
          env: { ...process.env, SEED_PORT_ROLE: 'process' },
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pool process ${p} exited with ${code}`))));
      }),
    ),
  );
  await logging.shutdown();
  const files = readdirSync(dir).filter((f) => f.startsWith('test.log') && !f.endsWith('.lock'));
  console.log(`${processes} processes x ${tasks} tasks x ${lines * 5} records = ${processes * tasks * lines * 5} records in ${files.length} file(s) under ${dir} (${Date.now() - started} ms)`);
} else if (role === 'process') {
  // ThreadPoolExecutor: a piscina pool of this same module; each thread runs task(i).
  const first = Number(arg('first', 0));
  const tasks = Number(arg('tasks', 4));
  const pool = new Piscina({ filename: import.meta.url, maxThreads: Number(arg('threads', 4)), workerData: { dir, lines } });
  await Promise.all(Array.from({ length: tasks }, (_, k) => pool.run(first + k)));
  await pool.destroy();
  await logging.shutdown();
}
