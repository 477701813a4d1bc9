#!/usr/bin/env bash
# After a sandbox refresh, make the CI user's JWT login work again, without a browser:
#   1. sf jwt approve --admin-org: pre-authorize the CI user for the app through a permission set
#      (created when missing; a second run changes nothing), then retry the JWT login until it works;
#   2. sf jwt diagnose: prove the JWT login works, or name the cause.
# Exit code: 0 when the JWT login works; otherwise the failing command's exit code (1 = fault found,
# 2 = usage error). No jq needed: JSON is read with node, which sf needs anyway.
#
# Needs an admin login to the refreshed sandbox, for example:
#   sf org login web --alias uat-admin --instance-url https://test.salesforce.com
# and the app set to "Admin approved users are pre-authorized" (Setup → App Manager → the app → Manage →
# Edit Policies). For a self-authorize app, step 1 explains the two ways forward and exits 1.
#
# Usage (values by environment variable):
#   ADMIN_ORG=uat-admin JWT_USERNAME=ci@acme.com.uat JWT_CLIENT_ID=3MVG9... JWT_KEY_FILE=server.key \
#     bash scripts/sandbox-refresh-example.sh
set -euo pipefail

: "${ADMIN_ORG:?set ADMIN_ORG to the alias or username of an admin login to the refreshed sandbox}"
: "${JWT_USERNAME:?set JWT_USERNAME to the CI user, with the sandbox suffix (ci@acme.com.uat)}"
: "${JWT_CLIENT_ID:?set JWT_CLIENT_ID to the app consumer key}"
: "${JWT_KEY_FILE:?set JWT_KEY_FILE to the private key file of the CI user}"
INSTANCE_URL="${INSTANCE_URL:-https://test.salesforce.com}"
PERMISSION_SET="${PERMISSION_SET:-JWT_Access}"
WAIT="${WAIT:-10m}"
SF="${SF:-sf}"

# Prints one field of the JSON on stdin, such as result.verification.ok (empty when absent).
json_field() {
  node -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      let value;
      try { value = process.argv[1].split(".").reduce((o, k) => (o == null ? undefined : o[k]), JSON.parse(text)); } catch { value = undefined; }
      process.stdout.write(value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
    });' "$1"
}

echo "1/2 Pre-authorizing $JWT_USERNAME through $ADMIN_ORG (permission set $PERMISSION_SET, waiting up to $WAIT)"
set +e
approve_json="$("$SF" jwt approve --admin-org "$ADMIN_ORG" --username "$JWT_USERNAME" --client-id "$JWT_CLIENT_ID" \
  --jwt-key-file "$JWT_KEY_FILE" --instance-url "$INSTANCE_URL" --permission-set "$PERMISSION_SET" --wait "$WAIT" --json)"
approve_rc=$?
set -e
echo "    records created: $(json_field result.changed <<<"$approve_json")"
echo "    $(json_field result.message <<<"$approve_json")$(json_field message <<<"$approve_json")"
if [ "$approve_rc" -ne 0 ]; then
  cause="$(json_field result.verification.cause.code <<<"$approve_json")"
  echo "sf jwt approve failed (exit $approve_rc)${cause:+, cause $cause}. Next steps:" >&2
  json_field result.actions <<<"$approve_json" >&2
  json_field actions <<<"$approve_json" >&2
  echo >&2
  exit "$approve_rc"
fi

echo "2/2 Checking the JWT login of $JWT_USERNAME"
set +e
diagnose_json="$("$SF" jwt diagnose --username "$JWT_USERNAME" --client-id "$JWT_CLIENT_ID" --jwt-key-file "$JWT_KEY_FILE" \
  --instance-url "$INSTANCE_URL" --admin-org "$ADMIN_ORG" --json)"
diagnose_rc=$?
set -e
if [ "$diagnose_rc" -ne 0 ] || [ "$(json_field result.ok <<<"$diagnose_json")" != "true" ]; then
  echo "The JWT login still fails: $(json_field result.cause.code <<<"$diagnose_json") — $(json_field result.cause.message <<<"$diagnose_json")" >&2
  exit "$((diagnose_rc == 0 ? 1 : diagnose_rc))"
fi
echo "The JWT login of $JWT_USERNAME works. CI can run: sf org login jwt --username $JWT_USERNAME --client-id <client id> --jwt-key-file <key file> --instance-url $INSTANCE_URL"
