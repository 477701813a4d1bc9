/*
 * Child process of test/unit/logging.test.ts: sets the plugin's root logger up, logs a debug line, a warning
 * and a secret, then reports on stderr whether the root logger keeps its records in memory.
 */
import { Logger } from '@salesforce/core';
import { useMemoryRootLogger } from '../../src/utils/logging.js';

const memory = useMemoryRootLogger();
const logger = Logger.childFromRoot('jwt-test');
logger.debug('a debug line');
logger.warn('a warning line');
logger.warn({ accessToken: '00D000000000001!SECRETTOKENVALUE' });
let buffered = -1;
try {
  buffered = Logger.childFromRoot('probe').getBufferedRecords().length;
} catch {
  buffered = -1; // a file transport holds no records
}
process.stderr.write(`RESULT ${JSON.stringify({ memory: memory !== undefined, buffered })}\n`);
