/*
 * Loaded before every test file. Each in-process SfCommand run adds its own SIGINT/SIGTERM handlers
 * (sf-plugins-core); dozens of command runs in one mocha process exceed Node's default of 10 listeners,
 * which is noise here, not a leak.
 */
process.setMaxListeners(200);
