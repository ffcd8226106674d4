// log4js, with an appender writing to a daily-rotated file that many processes can share.
//
//   node examples/log4js.mjs [--dir DIR]
import log4js from 'log4js';
import * as concurrentLogAppender from 'concurrent-log/log4js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const i = process.argv.indexOf('--dir');
const dir = i > 0 ? process.argv[i + 1] : join(process.cwd(), 'log4js-logs');
mkdirSync(dir, { recursive: true });

log4js.configure({
  appenders: {
    file: {
      // With concurrent-log installed next to log4js, type: 'concurrent-log/log4js' works too;
      // passing the module itself works under any node_modules layout (pnpm, workspaces, links).
      type: concurrentLogAppender,
      filename: join(dir, 'app.log'),
      when: 'midnight',
      backupCount: 7,
      layout: { type: 'pattern', pattern: '%d{yyyy-MM-dd hh:mm:ss.SSS} [%p] %c - %m' },
    },
  },
  categories: { default: { appenders: ['file'], level: 'info' } },
});
const logger = log4js.getLogger('example');

for (let n = 0; n < 100; n++) logger.info(`hello ${n}`);
logger.warn('done');

// shutdown flushes and closes the file.
log4js.shutdown(() => console.log(`wrote 101 lines to ${join(dir, 'app.log')}`));
