/*
 * Loaded before every test file. Each in-process SfCommand run adds its own SIGINT/SIGTERM handlers
 * (sf-plugins-core); dozens of command runs in one mocha process exceed Node's default of 10 listeners,
 * which is noise here, not a leak.
 */
process.setMaxListeners(200);

/*
 * Output is compared as plain text. Under a terminal (or a CI log that looks like one) chalk and ansis would
 * colour the in-process runs, whose stdout is the test runner's own; child processes inherit this too.
 */
process.env.FORCE_COLOR = '0';
process.env.NO_COLOR = '1';
