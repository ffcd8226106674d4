// log4js, with an existing `file` appender config kept as it was (maxLogSize, backups, compress,
// keepFileExt) and only its type changed, so that many processes can share the rotated file.
//
//   node examples/log4js-file.mjs [--dir DIR]
import log4js from 'log4js';
import * as concurrentLogAppender from 'concurrent-log/log4js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const i = process.argv.indexOf('--dir');
const dir = i > 0 ? process.argv[i + 1] : join(process.cwd(), 'log4js-file-logs');
mkdirSync(dir, { recursive: true });

log4js.configure({
  appenders: {
    file: {
      type: concurrentLogAppender, // was: type: 'file'
      filename: join(dir, 'app.log'),
      maxLogSize: '4K', // log4js's size strings: K, M, G
      backups: 3, // app.1.log (newest) ... app.3.log, older ones deleted
      keepFileExt: true, // app.1.log rather than app.log.1
      compress: true, // app.1.log.gz
      layout: { type: 'pattern', pattern: '%d{yyyy-MM-dd hh:mm:ss.SSS} [%p] %c - %m' },
    },
  },
  categories: { default: { appenders: ['file'], level: 'info' } },
});
const logger = log4js.getLogger('example');

for (let n = 0; n < 400; n++) logger.info(`hello ${n}`);
logger.warn('done');

// shutdown flushes and closes the file.
log4js.shutdown(() => console.log(`wrote 401 lines to ${join(dir, 'app.log')} and its rotated files`));
