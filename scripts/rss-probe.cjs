// Preloaded by `npm run bench` (NODE_OPTIONS=--require) into a measured sf process: at exit, appends the
// process's peak resident set size in kilobytes (getrusage's maxrss, all threads) to $BENCH_RSS_FILE.
const { appendFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

// NODE_OPTIONS reaches worker threads too (core's log transport): the main thread writes the one line.
if (isMainThread) {
  process.on('exit', () => {
    if (process.env.BENCH_RSS_FILE) appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
  });
}
