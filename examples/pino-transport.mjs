// pino, writing through a transport to a daily-rotated file that many processes can share.
//
//   node examples/pino-transport.mjs [--dir DIR]
import pino from 'pino';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const i = process.argv.indexOf('--dir');
const dir = i > 0 ? process.argv[i + 1] : join(process.cwd(), 'pino-logs');
mkdirSync(dir, { recursive: true });

const transport = pino.transport({
  target: 'concurrent-log/pino',
  options: { filename: join(dir, 'app.log'), when: 'midnight', backupCount: 7 },
});
const logger = pino(transport);

for (let n = 0; n < 100; n++) logger.info({ n }, `hello ${n}`);
logger.warn('done');

// Wait until the transport has flushed and closed the file before exiting.
transport.on('close', () => console.log(`wrote 101 lines to ${join(dir, 'app.log')}`));
logger.flush(() => transport.end());
