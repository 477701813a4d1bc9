#!/usr/bin/env bash
# After a sandbox refresh, make the CI user's JWT login work again, without a browser:
#   1. sf jwt setup --admin-org: the external client app, its certificate, the permission set that
#      pre-authorizes the CI user and its assignment, each created only when the refreshed sandbox lacks it
#      (a second run changes nothing); then the JWT login, retried until it works, and stored in the CLI.
#      For an app named by its consumer key instead (JWT_CLIENT_ID, e.g. a connected app made before Spring '26,
#      which setup does not manage): sf jwt approve --admin-org pre-authorizes the CI user for it, then retries
#      the JWT login until it works.
#   2. sf jwt diagnose: prove the JWT login works, or name the cause.
#
# Settings (environment variables):
#   ADMIN_ORG       required: alias or username of an admin login to the refreshed sandbox, for example
#                   made with: sf org login web --alias uat-admin --instance-url https://<MyDomain>--uat.sandbox.my.salesforce.com
#                   (in CI, without a browser: sf org login jwt --alias uat-admin … with an admin user and its own key).
#                   For setup, the admin needs "Modify Metadata Through Metadata API Functions" (or "Modify All
#                   Data"), "Customize Application" with the External Client App permissions, and "Manage
#                   Profiles and Permission Sets".
#   JWT_USERNAME    required: the CI user, with the sandbox suffix (ci@acme.com.uat)
#   JWT_KEY_FILE    required: the CI user's private key file
#   JWT_CERT_FILE   the key's certificate (default: setup makes one from the key when the app has none of it)
#   JWT_CLIENT_ID   the consumer key of an existing app to pre-authorize instead of setting up APP_NAME; that app
#                   must be "Admin approved users are pre-authorized" (Setup → App Manager → the app → Manage →
#                   Edit Policies). For one that lets users self-authorize, step 1 changes nothing, says why and
#                   what to do, and the script passes only when the user's own approval already works.
#   APP_NAME        API name of the external client app setup creates or reuses (default sf_jwt)
#   INSTANCE_URL    the login URL of the CI user's JWT login. Default: the admin org's instance URL, which is
#                   the sandbox's My Domain URL (the admin org is the same sandbox). https://test.salesforce.com
#                   works only where the sandbox's My Domain doesn't require logging in through it.
#   PERMISSION_SET  API name of the permission set that pre-authorizes the CI user (default JWT_Access; created
#                   when missing)
#   WAIT            how long to retry the JWT login while the app and the grant take effect (default 10m; 0 tries once)
#   SF              the sf executable to run (default sf, from PATH; for example node_modules/.bin/sf)
#
# Exit code: 0 when the JWT login works; otherwise the failing command's exit code (1 = fault found,
# 2 = usage error). No jq needed: JSON is read with node, which sf needs anyway.
#
# Usage:
#   ADMIN_ORG=uat-admin JWT_USERNAME=ci@acme.com.uat JWT_KEY_FILE=server.key bash sandbox-refresh-example.sh
set -euo pipefail

: "${ADMIN_ORG:?set ADMIN_ORG to the alias or username of an admin login to the refreshed sandbox}"
: "${JWT_USERNAME:?set JWT_USERNAME to the CI user, with the sandbox suffix (ci@acme.com.uat)}"
: "${JWT_KEY_FILE:?set JWT_KEY_FILE to the private key file of the CI user}"
JWT_CLIENT_ID="${JWT_CLIENT_ID:-}"
JWT_CERT_FILE="${JWT_CERT_FILE:-}"
APP_NAME="${APP_NAME:-sf_jwt}"
PERMISSION_SET="${PERMISSION_SET:-JWT_Access}"
WAIT="${WAIT:-10m}"
SF="${SF:-sf}"

# Prints one field of the JSON on stdin, such as result.verification.ok (empty when absent); a list, one item
# per line, each after "  - ".
json_field() {
  node -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      let value;
      try { value = process.argv[1].split(".").reduce((o, k) => (o == null ? undefined : o[k]), JSON.parse(text)); } catch { value = undefined; }
      if (Array.isArray(value)) value = value.map((item) => `  - ${typeof item === "object" ? JSON.stringify(item) : item}`).join("\n");
      process.stdout.write(value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
    });' "$1"
}

if [ -z "${INSTANCE_URL:-}" ]; then
  INSTANCE_URL="$("$SF" org display --target-org "$ADMIN_ORG" --json 2>/dev/null | json_field result.instanceUrl || true)"
  if [ -z "$INSTANCE_URL" ]; then
    echo "Couldn't read the instance URL of $ADMIN_ORG (sf org display --target-org $ADMIN_ORG). Set INSTANCE_URL to the sandbox's My Domain login URL." >&2
    exit 2
  fi
  echo "Login URL: $INSTANCE_URL (the instance URL of $ADMIN_ORG; set INSTANCE_URL to use another)"
fi

self_authorize=""
actions=""
if [ -z "$JWT_CLIENT_ID" ]; then
  echo "1/2 Setting up $APP_NAME for $JWT_USERNAME through $ADMIN_ORG (permission set $PERMISSION_SET, waiting up to $WAIT)"
  # new files (the certificate made from the key, when the app has none of it yet) go to a scratch directory
  out_dir="$(mktemp -d)"
  trap 'rm -rf "$out_dir"' EXIT
  set +e
  setup_json="$("$SF" jwt setup --admin-org "$ADMIN_ORG" --username "$JWT_USERNAME" --app-name "$APP_NAME" \
    --jwt-key-file "$JWT_KEY_FILE" ${JWT_CERT_FILE:+--cert-file "$JWT_CERT_FILE"} --output-dir "$out_dir" \
    --instance-url "$INSTANCE_URL" --permission-set "$PERMISSION_SET" --wait "$WAIT" --json)"
  setup_rc=$?
  set -e
  node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8")).result ?? {};
    for (const s of r.steps ?? []) console.log(`    ${s.id}: ${s.action}`);' <<<"$setup_json" || true
  if [ "$setup_rc" -ne 0 ]; then
    step="$(json_field result.error.step <<<"$setup_json")"
    cause="$(json_field result.verification.cause.code <<<"$setup_json")"
    echo "sf jwt setup failed (exit $setup_rc)${step:+ at the step $step}${cause:+, cause $cause}:" >&2
    json_field result.error.message <<<"$setup_json" >&2
    json_field message <<<"$setup_json" >&2
    echo >&2
    echo "Next steps:" >&2
    json_field result.error.actions <<<"$setup_json" >&2
    json_field actions <<<"$setup_json" >&2
    json_field result.verification.cause.actions <<<"$setup_json" >&2
    echo >&2
    exit "$setup_rc"
  fi
  JWT_CLIENT_ID="$(json_field result.clientId <<<"$setup_json")"
  INSTANCE_URL="$(json_field result.loginUrl <<<"$setup_json")"
  login_command="$(json_field result.loginCommand <<<"$setup_json")"
else
  echo "1/2 Pre-authorizing $JWT_USERNAME through $ADMIN_ORG (permission set $PERMISSION_SET, waiting up to $WAIT)"
  set +e
  approve_json="$("$SF" jwt approve --admin-org "$ADMIN_ORG" --username "$JWT_USERNAME" --client-id "$JWT_CLIENT_ID" \
    --jwt-key-file "$JWT_KEY_FILE" --instance-url "$INSTANCE_URL" --permission-set "$PERMISSION_SET" --wait "$WAIT" --json)"
  approve_rc=$?
  set -e
  changed="$(json_field result.changed <<<"$approve_json")"
  [ -n "$changed" ] && echo "    records created: $changed"
  echo "    $(json_field result.message <<<"$approve_json")$(json_field message <<<"$approve_json")"
  self_authorize="$(json_field result.selfAuthorize <<<"$approve_json")"
  verification_actions=""
  if [ "$approve_rc" -ne 0 ] || [ "$self_authorize" = "true" ]; then
    actions="$(json_field result.actions <<<"$approve_json")$(json_field actions <<<"$approve_json")"
    verification_actions="$(json_field result.verification.cause.actions <<<"$approve_json")"
  fi
  if [ "$approve_rc" -ne 0 ]; then
    cause="$(json_field result.verification.cause.code <<<"$approve_json")"
    echo "sf jwt approve failed (exit $approve_rc)${cause:+, cause $cause}. Next steps:" >&2
    [ -n "$actions" ] && echo "$actions" >&2
    [ -n "$verification_actions" ] && echo "$verification_actions" >&2
    exit "$approve_rc"
  fi
  login_command="sf org login jwt --username $JWT_USERNAME --client-id $JWT_CLIENT_ID --jwt-key-file $JWT_KEY_FILE --instance-url $INSTANCE_URL"
fi
if [ "$self_authorize" = "true" ] && [ -n "$actions" ]; then
  echo "    Nothing was granted. The ways forward:"
  echo "$actions"
fi

echo "2/2 Checking the JWT login of $JWT_USERNAME"
set +e
diagnose_json="$("$SF" jwt diagnose --username "$JWT_USERNAME" --client-id "$JWT_CLIENT_ID" --jwt-key-file "$JWT_KEY_FILE" \
  --instance-url "$INSTANCE_URL" --admin-org "$ADMIN_ORG" --json)"
diagnose_rc=$?
set -e
if [ "$diagnose_rc" -ne 0 ] || [ "$(json_field result.ok <<<"$diagnose_json")" != "true" ]; then
  code="$(json_field result.cause.code <<<"$diagnose_json")"
  if [ -n "$code" ]; then
    echo "The JWT login still fails: $code. $(json_field result.cause.message <<<"$diagnose_json")" >&2
    echo "Next steps:" >&2
    json_field result.cause.actions <<<"$diagnose_json" >&2
    echo >&2
  else
    echo "sf jwt diagnose failed (exit $diagnose_rc): $(json_field message <<<"$diagnose_json")" >&2
    json_field actions <<<"$diagnose_json" >&2
    echo >&2
  fi
  exit "$((diagnose_rc == 0 ? 1 : diagnose_rc))"
fi
echo "The JWT login of $JWT_USERNAME works. CI can log in with:"
echo "  $login_command"
