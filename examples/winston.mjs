// winston, with a transport writing to an hourly-rotated file that many processes can share.
//
//   node examples/winston.mjs [--dir DIR]
import winston from 'winston';
import { ConcurrentLogTransport } from 'concurrent-log/winston';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const i = process.argv.indexOf('--dir');
const dir = i > 0 ? process.argv[i + 1] : join(process.cwd(), 'winston-logs');
mkdirSync(dir, { recursive: true });

const transport = new ConcurrentLogTransport({ filename: join(dir, 'app.log'), when: 'h', backupCount: 24 });
const logger = winston.createLogger({
  level: 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [transport],
});

for (let n = 0; n < 100; n++) logger.info(`hello ${n}`, { n });
logger.warn('done');

// The transport finishes once its file is flushed and closed.
transport.on('finish', () => console.log(`wrote 101 lines to ${join(dir, 'app.log')}`));
logger.end();
