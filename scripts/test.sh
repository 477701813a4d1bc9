#!/usr/bin/env bash
# Runs every mocha test (unit, command, end-to-end) in a private HOME and TMPDIR, inside a loopback-only
# network namespace where the machine allows it (see scripts/offline.sh). Tests only target 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/tmp"
export HOME="$scratch/home" TMPDIR="$scratch/tmp"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_AUTOUPDATE=true
export OCLIF_DISABLE_LINKED_ESM_WARNING=true SF_SKIP_SCRATCH_ORG_CHECK=true SF_DISABLE_DNS_CHECK=true

if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  echo "Running the tests in a loopback-only network namespace."
else
  echo "Running the tests without network isolation (needs root); they only target 127.0.0.1."
fi
# No arguments: every test. Otherwise only the given test files, e.g. `bash scripts/test.sh test/unit/duration.test.ts`.
if [ $# -eq 0 ]; then set -- "test/**/*.test.ts"; fi
bash scripts/offline.sh mocha "$@"
