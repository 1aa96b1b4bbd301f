#!/usr/bin/env bash
# Proves `tvauth fake` from outside Go: builds the binary, starts it on a free loopback port, waits on
# its health endpoint, then drives the four families with curl only (python3 reads the JSON and signs
# the WebAPI logout with its own hmac module), asserting on every reply. Stops the server at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in curl python3 base64; do
  command -v "$tool" >/dev/null || { echo "FAIL: $0 needs $tool (the machine image has it)" >&2; exit 1; }
done

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$work/fake.err" ] && cat "$work/fake.err" >&2; exit 1; }
ok() { echo "ok   $*"; }
# json FILE EXPR: evaluates a python expression over the JSON document j in FILE.
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

go build -o "$work/tvauth" ./cmd/tvauth

# A malformed seed file is refused before listening, with exit 2, naming line and field.
printf '{\n  "mvpds": [\n    {"id": "A", "logout": true}\n  ]\n}\n' >"$work/bad-seed.json"
set +e
"$work/tvauth" fake -addr 127.0.0.1:0 -seed "$work/bad-seed.json" >"$work/bad.out" 2>"$work/bad.err"
code=$?
set -e
[ "$code" = 2 ] || fail "bad seed: exit $code, want 2"
grep -q 'bad-seed.json:3:17: mvpds\[0\].logout: unknown field' "$work/bad.err" || fail "bad seed message: $(cat "$work/bad.err")"
ok "a malformed seed file is refused with its line and field (exit 2)"

# Its help goes to stdout and lists the headers each family requires, as the fake decides them.
"$work/tvauth" fake --help >"$work/help.out" 2>"$work/help.err" || fail "tvauth fake --help: exit $?"
[ ! -s "$work/help.err" ] || fail "tvauth fake --help wrote to stderr: $(cat "$work/help.err")"
for h in 'Authorization: Bearer' 'AP-Device-Identifier: fingerprint' 'X-Device-Info:' 'x-auth-service-id:' 'User-Token:'; do
  grep -q "$h" "$work/help.out" || fail "tvauth fake --help does not list $h"
done
ok "tvauth fake --help lists the headers each family requires (stdout, exit 0)"

# Port 0: the kernel picks a free port; -json prints where, first thing.
"$work/tvauth" fake -addr 127.0.0.1:0 -json >"$work/fake.out" 2>"$work/fake.err" &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/fake.out" ] && break
  sleep 0.1
done
[ -s "$work/fake.out" ] || fail "tvauth fake printed nothing"
base=$(json "$work/fake.out" 'j["url"]')
case "$base" in http://127.0.0.1:*) ;; *) fail "not on loopback: $base" ;; esac
for _ in $(seq 1 100); do
  curl -fsS "$base/_tvauth/health" -o "$work/health.json" 2>/dev/null && break
  sleep 0.1
done
[ "$(json "$work/health.json" 'j["status"]')" = ok ] || fail "health"
ok "tvauth fake is up at $base"

statement=$(json "$work/fake.out" 'j["software_statement"]')
sp=$(json "$work/fake.out" 'j["service_provider"]')
devid=$(json "$work/fake.out" 'j["webapi_dev_id"]')
webapi_login=$(json "$work/fake.out" 'j["seed"]["webapi_users"][0]["login_id"]')
webapi_pwd=$(json "$work/fake.out" 'j["seed"]["webapi_users"][0]["password"]')
ags_user=$(json "$work/fake.out" 'j["seed"]["ags_users"][0]["username"]')
ags_pwd=$(json "$work/fake.out" 'j["seed"]["ags_users"][0]["password"]')
tenant=$(json "$work/fake.out" 'j["ags_tenant"]')
auth_service=$(json "$work/fake.out" 'j["ags_auth_service"]')

# --- Adobe Pass REST API v2: register → token → logout with next actions --------------------------
device_info=$(printf '{"primaryHardwareType":"SetTopBox","model":"e2e","osName":"Linux"}' | base64 | tr -d '\n')
device_id="e2e-stb-1"
device_hdr="AP-Device-Identifier: fingerprint $(printf '%s' "$device_id" | base64 | tr -d '\n')"
python3 -c 'import json,sys; print(json.dumps({"software_statement": sys.argv[1]}))' "$statement" >"$work/register.req"
code=$(curl -sS -o "$work/register.json" -w '%{http_code}' -X POST "$base/o/client/register" \
  -H 'Content-Type: application/json' -H "X-Device-Info: $device_info" --data-binary @"$work/register.req")
[ "$code" = 201 ] || fail "register: HTTP $code $(cat "$work/register.json")"
client_id=$(json "$work/register.json" 'j["client_id"]')
client_secret=$(json "$work/register.json" 'j["client_secret"]')
ok "pass: DCR register (client_id $client_id)"

code=$(curl -sS -o "$work/token.json" -w '%{http_code}' -X POST "$base/o/client/token" \
  -H "X-Device-Info: $device_info" \
  --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$client_id" --data-urlencode "client_secret=$client_secret")
[ "$code" = 201 ] || [ "$code" = 200 ] || fail "token: HTTP $code $(cat "$work/token.json")"
access=$(json "$work/token.json" 'j["access_token"]')
ok "pass: access token ($(json "$work/token.json" 'j["expires_in"]') s)"

# The admin API seeds a profile on this device, as after a login at each MVPD.
for mvpd in Cablevision Dish; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/_tvauth/seed" \
    -d "{\"profiles\": [{\"service_provider\": \"$sp\", \"mvpd\": \"$mvpd\", \"device_id\": \"$device_id\"}]}")
  [ "$code" = 200 ] || fail "seeding a profile: HTTP $code"
done
pass_logout() {
  curl -sS -o "$work/logout.json" -w '%{http_code}' "$base/api/v2/$sp/logout/$1" -G \
    --data-urlencode "redirectUrl=https://app.example/done" \
    -H "Authorization: Bearer $access" -H "$device_hdr" -H "X-Device-Info: $device_info" -H 'Accept: application/json'
}
code=$(pass_logout Cablevision)
[ "$code" = 200 ] || fail "logout Cablevision: HTTP $code $(cat "$work/logout.json")"
[ "$(json "$work/logout.json" 'j["logouts"]["Cablevision"]["actionName"] + "/" + j["logouts"]["Cablevision"]["actionType"]')" = logout/interactive ] ||
  fail "Cablevision next action: $(cat "$work/logout.json")"
json "$work/logout.json" 'j["logouts"]["Cablevision"]["url"]' | grep -q . || fail "logout/interactive without url"
code=$(pass_logout Dish)
[ "$(json "$work/logout.json" 'j["logouts"]["Dish"]["actionName"] + "/" + j["logouts"]["Dish"]["actionType"]')" = complete/none ] ||
  fail "Dish next action: $(cat "$work/logout.json")"
ok "pass: logout answers logout/interactive (with a URL) for Cablevision, complete/none for Dish"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$base/api/v2/$sp/logout/Dish?redirectUrl=https%3A%2F%2Fapp.example%2Fdone" \
  -H "Authorization: Bearer forged-token" -H "$device_hdr" -H "X-Device-Info: $device_info")
[ "$code" = 401 ] || fail "a forged bearer token: HTTP $code, want 401"
ok "pass: a forged bearer token is refused (401)"
# The admin API degrades an MVPD: Adobe answers for it (authorize, reasonType degraded), no login.
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/_tvauth/seed" -d '{"mvpds": [{"id": "Dish", "degraded": true}]}')
[ "$code" = 200 ] || fail "degrading Dish: HTTP $code"
code=$(curl -sS -o "$work/degraded.json" -w '%{http_code}' -X POST "$base/api/v2/$sp/sessions" \
  -H "Authorization: Bearer $access" -H "$device_hdr" -H "X-Device-Info: $device_info" -H 'Accept: application/json' \
  --data-urlencode mvpd=Dish --data-urlencode domainName=adobe.com --data-urlencode redirectUrl=https://app.example/done)
[ "$code" = 200 ] && [ "$(json "$work/degraded.json" 'j["actionName"] + "/" + j["reasonType"]')" = authorize/degraded ] ||
  fail "session for a degraded Dish: HTTP $code $(cat "$work/degraded.json")"
ok "pass: the admin API degrades Dish; a session then answers authorize/degraded without a login"

# --- Adobe Pass REST API v1: regcode → authenticate 302, ordering enforced -------------------------
code=$(curl -sS -o "$work/regcode.json" -w '%{http_code}' -X POST "$base/reggie/v1/$sp/regcode" \
  -H "Authorization: Bearer $access" -H "$device_hdr" -H "X-Device-Info: $device_info" -H 'Accept: application/json' \
  --data-urlencode "deviceId=$device_id" --data-urlencode ttl=1800)
[ "$code" = 201 ] || [ "$code" = 200 ] || fail "regcode: HTTP $code $(cat "$work/regcode.json")"
reg_code=$(json "$work/regcode.json" 'j["code"]')
ok "clientless: registration code $reg_code"
redirect=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("https://app.example/done", safe=""))')
tail="requestor_id=$sp&mso_id=Cablevision&domain_name=adobe.com&noflash=true&no_iframe=true"
code=$(curl -sS -o /dev/null -D "$work/auth.headers" -w '%{http_code}' "$base/api/v1/authenticate?reg_code=$reg_code&$tail&redirect_url=$redirect")
[ "$code" = 302 ] || fail "authenticate: HTTP $code, want 302"
grep -qi '^Location: ' "$work/auth.headers" || fail "authenticate 302 without Location"
ok "clientless: authenticate (reg_code first, redirect_url last) answers 302 to the MVPD login"
code=$(curl -sS -o "$work/misordered.html" -w '%{http_code}' "$base/api/v1/authenticate?$tail&reg_code=$reg_code&redirect_url=$redirect")
[ "$code" = 400 ] && grep -q 'reg_code must be the first' "$work/misordered.html" || fail "reg_code not first: HTTP $code"
code=$(curl -sS -o "$work/misordered.html" -w '%{http_code}' "$base/api/v1/authenticate?reg_code=$reg_code&redirect_url=$redirect&$tail")
[ "$code" = 400 ] && grep -q 'redirect_url must be the last' "$work/misordered.html" || fail "redirect_url not last: HTTP $code"
ok "clientless: a misordered authenticate is refused (400) both ways"

# --- NINA WebAPI: clientLogin → logout signed by python3 hmac; a forged signature refused ----------
code=$(curl -sS -o "$work/login.json" -w '%{http_code}' -X POST "$base/auth/clientLogin" \
  --data-urlencode "devId=$devid" --data-urlencode f=json --data-urlencode "s=$webapi_login" --data-urlencode "pwd=$webapi_pwd")
[ "$code" = 200 ] || fail "clientLogin: HTTP $code"
[ "$(json "$work/login.json" 'j["response"]["statusCode"]')" = 200 ] || fail "clientLogin: $(cat "$work/login.json")"
token_a=$(json "$work/login.json" 'j["response"]["data"]["token"]["a"]')
session_secret=$(json "$work/login.json" 'j["response"]["data"]["sessionSecret"]')
ok "webapi: clientLogin"
# sig_sha256 = base64(HMAC-SHA256(key = base64(HMAC-SHA256(password, sessionSecret)), base string)),
# base string = GET & enc(url) & enc(sorted enc(k)=enc(v) joined by &), RFC 3986 encoding.
signed_query=$(python3 - "$base/auth/logout" "$webapi_pwd" "$session_secret" "$token_a" "$devid" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
url, password, secret, token, devid = sys.argv[1:]
enc = lambda s: urllib.parse.quote(s, safe="-._~")
params = {"a": token, "devId": devid, "f": "json"}
pairs = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
base = "&".join(["GET", enc(url), enc(pairs)])
key = base64.b64encode(hmac.new(password.encode(), secret.encode(), hashlib.sha256).digest())
sig = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()
print(pairs + "&sig_sha256=" + enc(sig))
PY
)
forged_query=$(printf '%s' "$signed_query" | sed 's/sig_sha256=.*/sig_sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D/')
curl -sS -o "$work/forged.json" "$base/auth/logout?$forged_query"
[ "$(json "$work/forged.json" 'j["response"]["statusCode"]')" != 200 ] || fail "a forged signature was accepted"
ok "webapi: a forged sig_sha256 is refused (statusCode $(json "$work/forged.json" 'j["response"]["statusCode"]'))"
curl -sS -o "$work/wlogout.json" "$base/auth/logout?$signed_query"
[ "$(json "$work/wlogout.json" 'j["response"]["statusCode"]')" = 200 ] || fail "signed logout: $(cat "$work/wlogout.json")"
curl -sS -o "$work/again.json" "$base/auth/logout?$signed_query"
[ "$(json "$work/again.json" 'j["response"]["statusCode"]')" != 200 ] || fail "the session outlived its logout"
ok "webapi: the python3-signed logout is accepted, and the session is gone after it"

# --- OpenTV AGS: signOn → 300 → subsequentSignOn ---------------------------------------------------
ags() { curl -sS -o "$work/$1.json" -w '%{http_code}' -X POST "$base/ags/$1" -H "nv-tenant-id: $tenant" \
  -H "x-auth-service-id: $auth_service" -H 'Content-Type: application/json' "${@:2}"; }
python3 -c 'import json,sys; print(json.dumps({"parameters": [{"name": "username", "value": sys.argv[1]}, {"name": "password", "value": sys.argv[2]}], "deviceInformation": {"deviceType": "OPEN", "playoutDeviceClass": "stb"}}))' \
  "$ags_user" "$ags_pwd" >"$work/signon.req"
code=$(ags signOn --data-binary @"$work/signon.req")
[ "$code" = 300 ] || fail "signOn: HTTP $code, want 300 $(cat "$work/signOn.json")"
[ "$(json "$work/signOn.json" 'len(j["accounts"])')" = 2 ] || fail "signOn accounts: $(cat "$work/signOn.json")"
user_token=$(json "$work/signOn.json" 'j["accounts"][1]["userAccountToken"]')
account=$(json "$work/signOn.json" 'json.loads(j["accounts"][1]["accountInformation"])["accountId"]')
ok "ags: signOn answers 300 with 2 accounts"
code=$(ags subsequentSignOn -H "User-Token: $user_token" -d "{\"parameters\": [{\"name\": \"username\", \"value\": \"$ags_user\"}]}")
[ "$code" = 201 ] || fail "subsequentSignOn: HTTP $code $(cat "$work/subsequentSignOn.json")"
json "$work/subsequentSignOn.json" 'j["access_token"]' | grep -q . || fail "no access_token"
ok "ags: subsequentSignOn with the second account ($account) answers 201 with tokens"

# --- the admin API: faults, recorded requests, clock, reset ----------------------------------------
curl -fsS -o /dev/null -X POST "$base/_tvauth/faults" -d '{"path": "/ags/signOn", "status": 503, "times": 1}'
code=$(ags signOn --data-binary @"$work/signon.req")
[ "$code" = 503 ] || fail "injected fault: HTTP $code, want 503"
code=$(ags signOn --data-binary @"$work/signon.req")
[ "$code" = 300 ] || fail "after the fault: HTTP $code, want 300"
ok "admin: an injected 503 answers once, then the fake serves again"
curl -fsS -o "$work/requests.json" "$base/_tvauth/requests?path=/auth/*"
[ "$(json "$work/requests.json" '",".join(r["path"] for r in j)')" = /auth/clientLogin,/auth/logout,/auth/logout,/auth/logout ] ||
  fail "recorded requests: $(json "$work/requests.json" '[r["path"] for r in j]')"
ok "admin: the recorded requests list the WebAPI calls in order"
curl -fsS -o "$work/clock.json" -X POST "$base/_tvauth/clock" -d '{"advance": "7h"}'
[ "$(json "$work/clock.json" 'j["offset"]')" = 7h0m0s ] || fail "clock: $(cat "$work/clock.json")"
code=$(pass_logout Dish)
[ "$code" = 401 ] || fail "a 6-hour Pass token 7 hours later: HTTP $code, want 401"
ok "admin: advancing the clock 7h expires the Pass access token"
curl -fsS -o /dev/null -X POST "$base/_tvauth/reset"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/o/client/register" \
  -H 'Content-Type: application/json' -H "X-Device-Info: $device_info" --data-binary @"$work/register.req")
[ "$code" = 201 ] || fail "after reset, the same software statement: HTTP $code"
curl -fsS -o "$work/requests.json" "$base/_tvauth/requests"
[ "$(json "$work/requests.json" 'len(j)')" = 1 ] || fail "reset kept the recorded requests"
ok "admin: reset forgets state and keeps the software statement"

# SIGTERM shuts it down gracefully (exit 0).
kill -TERM "$pid"
set +e
wait "$pid"
code=$?
set -e
pid=""
[ "$code" = 0 ] || fail "after SIGTERM: exit $code"
ok "SIGTERM: tvauth fake stopped cleanly"
