#!/usr/bin/env bash
# Runs every mocha test (unit, command, end-to-end). Where the machine allows it (root with unshare and ip),
# the suite runs inside a loopback-only network namespace: a failed `sf org login jwt` (and a faithful
# diagnosis) also tries login.salesforce.com and test.salesforce.com, and there those fail at once instead
# of leaving the machine. Elsewhere the suite runs as is; it only ever targets 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

# A private HOME and TMPDIR, so no test can touch the real CLI state of whoever runs it.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/tmp"
export HOME="$scratch/home" TMPDIR="$scratch/tmp"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_AUTOUPDATE=true
export OCLIF_DISABLE_LINKED_ESM_WARNING=true SF_SKIP_SCRATCH_ORG_CHECK=true SF_DISABLE_DNS_CHECK=true
export SF_JWT_TEST_ISOLATED=none

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  echo "Running the tests in a loopback-only network namespace."
  export SF_JWT_TEST_ISOLATED=netns
  unshare -n sh -c 'ip link set lo up && exec mocha "$@"' mocha "$@"
else
  echo "Running the tests without network isolation (needs root); they only target 127.0.0.1."
  mocha "$@"
fi
