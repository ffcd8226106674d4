import { readdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ConcurrentTimedRotatingFileHandler } from 'concurrent-log';
const dir = mkdtempSync(join(tmpdir(), 'mf-'));
const files = Array.from({ length: 50 }, (_, i) => join(dir, `f${i}`, 'app.log'));
const handlers = files.map((f) => new ConcurrentTimedRotatingFileHandler(f));
const workers = Array.from({ length: 3 }, (_, w) => new Worker(`
    const { workerData, parentPort } = require('node:worker_threads');
    const { ConcurrentTimedRotatingFileHandler } = require('concurrent-log');
    (async () => {
      const hs = workerData.files.map((f) => new ConcurrentTimedRotatingFileHandler(f));
      for (let i = 0; i < 100; i++) hs.forEach((h, k) => h.write('w${w} ' + k + ' ' + i + '\\n'));
      console.error('worker wrote');
      await Promise.all(hs.map((h) => h.close()));
      console.error('worker closed');
      parentPort.postMessage('done');
    })();
  `, { eval: true, workerData: { files } }));
for (let i = 0; i < 100; i++) handlers.forEach((h, k) => h.write(`main ${k} ${i}\n`));
const t = setTimeout(() => { console.error('HANG'); process.exit(3); }, 8000);
await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
console.error('workers done');
await Promise.all(handlers.map((h) => h.close()));
clearTimeout(t);
console.error('ok');
