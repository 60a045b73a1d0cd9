#!/usr/bin/env bash
# The OAuth server end to end, over HTTPS behind a real web server, with the
# Nexudus simulator as the upstream: registration, the login page, code and
# token exchange, the bearer check on /mcp, revocation, and the refusals.
# Usage: oauth.sh BUILDDIR SRCDIR [lighttpd|apache]
set -u
BUILD=${1:?builddir}
SRC=${2:?srcdir}
SERVER=${3:-lighttpd}
NXM_SRC=$SRC
. "$SRC/scripts/lib.sh"
. "$SRC/tests/integration/checks.sh"

PORT=${NXM_TEST_PORT:-28643}
SIM_PORT=${NXM_TEST_SIM_PORT:-28901}
OUT=$BUILD/tests/out/oauth-$SERVER
nxm_out_dir "$OUT"
STATE=$OUT/state
trap 'nxm_server_stop; nxm_sim_stop' EXIT
# Client ID Metadata Documents are served by the same web server (from
# static/), so the test switch that allows loopback is on, with our CA.
DOC_CONFIG="client_document_allow_loopback = yes
client_document_ca_file = $STATE/etc/tls.crt"
nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT" "$DOC_CONFIG"
nxm_server_start "$STATE" "$PORT" "$SERVER"
nxm_wait_https "$PORT" || { nxm_fail "$SERVER did not start"; nxm_summary; exit 1; }
V="oauth/$SERVER"
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
DB=$STATE/db/nexmcp.db
read -r ADMIN PW <<<"$("$STATE/nexudus-sim" --demo-admin)"
REDIRECT=http://127.0.0.1:33418/callback

. "$SRC/tests/integration/flow.sh"

mcp() { req POST /mcp -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"ping"}'; }

# ---------------------------------------------------------------- registration
register "{\"redirect_uris\":[\"$REDIRECT\"],\"token_endpoint_auth_method\":\"none\",\"client_name\":\"Test <b>Client</b>\",\"grant_types\":[\"authorization_code\",\"refresh_token\"]}"
check_status "dynamic client registration" 201
check_jq "registration answer" ".client_id == \"$CLIENT_ID\" and .redirect_uris == [\"$REDIRECT\"] and .token_endpoint_auth_method == \"none\" and .grant_types == [\"authorization_code\"] and .response_types == [\"code\"] and (.client_id_issued_at | type) == \"number\" and (has(\"client_secret\") | not)"
PUBLIC=$CLIENT_ID
register '{"redirect_uris":["javascript:alert(1)"]}'
check_status "javascript: redirect URI" 400
check_jq "javascript: refused" '.error == "invalid_redirect_uri"'
register '{"redirect_uris":["https://app.example/cb#frag"]}'
check_jq "fragment refused" '.error == "invalid_redirect_uri"'
register '{"redirect_uris":["http://app.example/cb"]}'
check_jq "plain http off loopback refused" '.error == "invalid_redirect_uri"'
register '{"client_name":"x"}'
check_jq "missing redirect_uris" '.error == "invalid_redirect_uri"'
register '{"redirect_uris":["cursor://anysphere.cursor-retrieval/oauth/user-nexmcp/callback"],"token_endpoint_auth_method":"none"}'
check_status "private-use scheme accepted" 201
register '{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}'
check_jq "unsupported auth method" '.error == "invalid_client_metadata"'
req POST /register -H 'Content-Type: application/json' --data 'not json'
check_jq "malformed JSON" '.error == "invalid_client_metadata"'
register "{\"redirect_uris\":[\"$REDIRECT\"]}"
check_jq "confidential client gets a secret" '(.client_secret | length) >= 40 and .token_endpoint_auth_method == "client_secret_basic"'
CONFIDENTIAL=$CLIENT_ID
CONF_SECRET=$CLIENT_SECRET
sqlite3 "$DB" "SELECT count(*) FROM clients WHERE secret_hash IS NOT NULL AND instr(CAST(secret_hash AS TEXT), '$CONF_SECRET') = 0" | grep -qx 1
expect "the client secret is stored hashed" $? "stored in clear?"

# ---------------------------------------------------------------- the login page
CLIENT_ID=$PUBLIC
authorize
check_status "login page" 200
check_hdr_match "login page CSP" Content-Security-Policy "frame-ancestors 'none'"
check_hdr "login page XFO" X-Frame-Options DENY
check_hdr "login page not cached" Cache-Control no-store
check_hdr "login page referrer policy" Referrer-Policy no-referrer
grep -q 'Test &lt;b&gt;Client&lt;/b&gt;' "$BODY" && ! grep -q '<b>Client' "$BODY"
expect "client name shown, escaped" $? "$(grep -o 'Test.\{0,30\}' "$BODY" | head -1)"
grep -q '<strong>127.0.0.1</strong>' "$BODY"
expect "redirect host shown" $? ""
for f in email password disclaimer allow_pii read_only; do
	grep -q "name=\"$f\"" "$BODY"
	expect "form field $f" $? ""
done
grep -q 'name="disclaimer" value="on" required' "$BODY"
expect "disclaimer is required" $? ""
req GET "/authorize?response_type=code&client_id=nxc_unknown&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256"
check_status "unregistered client: error page, not a redirect" 400
[ -z "$(hdr Location)" ]
expect "no redirect for an unknown client" $? "$(hdr Location)"
req GET "/authorize?response_type=code&client_id=$PUBLIC&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&code_challenge=$CHALLENGE&code_challenge_method=S256"
check_status "unregistered redirect_uri: error page" 400
req GET "/authorize?response_type=code&client_id=$PUBLIC&redirect_uri=http%3A%2F%2F127.0.0.1%3A49152%2Fcallback&state=x&code_challenge=$CHALLENGE&code_challenge_method=S256"
check_status "loopback redirect on another port matches (RFC 8252)" 200
req GET "/authorize?response_type=code&client_id=$PUBLIC&redirect_uri=$REDIRECT&state=s1"
check_status "missing PKCE redirects with an error" 302
check_hdr_match "missing PKCE: invalid_request with state and iss" Location "^http://127.0.0.1:33418/callback\?error=invalid_request&error_description=.*&state=s1&iss=https%3A%2F%2F127.0.0.1%3A$PORT$"
req GET "/authorize?response_type=token&client_id=$PUBLIC&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256"
check_hdr_match "response_type=token refused" Location "error=unsupported_response_type"
req GET "/authorize?response_type=code&client_id=$PUBLIC&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=plain"
check_hdr_match "plain PKCE refused" Location "error=invalid_request"
req GET "/authorize?response_type=code&client_id=$PUBLIC&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256&resource=https%3A%2F%2Fother.example%2Fmcp"
check_hdr_match "another resource refused" Location "error=invalid_target"
req GET "/authorize?response_type=code&client_id=$PUBLIC&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256&scope=admin"
check_hdr_match "unknown scope refused" Location "error=invalid_scope"

# ---------------------------------------------------------------- refusals on POST
authorize
sign_in "$ADMIN" "$PW"
check_status "missing disclaimer" 400
grep -q 'Tick the responsibility disclaimer' "$BODY" && grep -q "value=\"$ADMIN\"" "$BODY"
expect "missing disclaimer explained, e-mail kept" $? ""
authorize
sign_in "$ADMIN" "wrong-password" --data disclaimer=on
check_status "wrong password" 400
grep -q 'e-mail or password is not right' "$BODY"
expect "wrong password explained" $? "$(grep -o 'class="error"[^<]*' "$BODY")"
authorize
sign_in member@demo.nexudus.test "$PW" --data disclaimer=on
grep -q 'not a Nexudus administrator' "$BODY"
expect "non-administrator refused" $? "$(grep -o 'class="error"[^<]*' "$BODY")"
authorize
sed -i 's/name="csrf" value="[^"]*"/name="csrf" value="1.AAAA"/' "$BODY"
sign_in "$ADMIN" "$PW" --data disclaimer=on
check_status "forged CSRF token" 400
grep -q 'form has expired or did not come from this page' "$BODY"
expect "CSRF refusal explained" $? ""
authorize
OTHER_CSRF=$(form_field csrf)
authorize "&scope=nexudus%3Aread"
sed -i "s/name=\"csrf\" value=\"[^\"]*\"/name=\"csrf\" value=\"$OTHER_CSRF\"/" "$BODY"
sign_in "$ADMIN" "$PW" --data disclaimer=on
check_status "CSRF token from another authorization request" 400
authorize
sign_in twofactor@demo.nexudus.test "$PW" --data disclaimer=on
grep -q 'name="totp"' "$BODY" && grep -q 'two-factor' "$BODY"
expect "two-factor code asked for" $? ""
TOTP=$(curl -s "http://127.0.0.1:$SIM_PORT/_sim/totp/twofactor@demo.nexudus.test" | jq -r .code)
sign_in twofactor@demo.nexudus.test "$PW" --data disclaimer=on --data-urlencode "totp=$TOTP"
check_status "two-factor sign-in" 302

# ---------------------------------------------------------------- the happy path
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
check_status "sign-in redirects" 302
check_hdr_match "redirect carries code, state and iss" Location "^http://127.0.0.1:33418/callback\?code=[A-Za-z0-9_-]{43}&state=$STATE_V&iss=https%3A%2F%2F127.0.0.1%3A$PORT$"
GOOD_CODE=$CODE
GOOD_VERIFIER=$VERIFIER
VERIFIER=$(new_verifier)
exchange
check_status "wrong PKCE verifier" 400
check_jq "wrong verifier: invalid_grant" '.error == "invalid_grant" and (.error_description | test("code_verifier"))'
check_hdr "token errors are not cached" Cache-Control no-store
VERIFIER=$GOOD_VERIFIER
exchange
check_status "the code was consumed by the failed attempt" 400
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
check_status "code exchange" 200
check_jq "token answer" '.token_type == "Bearer" and (.expires_in > 28700 and .expires_in <= 28800) and .scope == "nexudus:read nexudus:write" and (.access_token | startswith("nxm1."))'
check_hdr "token answer not cached" Cache-Control no-store
GOOD=$TOKEN
mcp "$GOOD"
[ "$STATUS" != 401 ]
expect "/mcp accepts the token" $? "got $STATUS"
sqlite3 "$DB" "SELECT hex(upstream_token) FROM sessions" >"$OUT/db-dump"
sqlite3 "$STATE/sim/nexudus-sim.db" "SELECT hex(token_hash) FROM tokens" >/dev/null
! grep -q "$(printf '%s' "$GOOD" | cut -d. -f2)" "$OUT/db-dump"
expect "the database holds no token in clear" $? ""
exchange
check_status "reused code" 400
check_jq "reused code: invalid_grant" '.error == "invalid_grant" and (.error_description | test("already used"))'
mcp "$GOOD"
check_status "a replayed code revokes its session" 401

# expired code, wrong redirect_uri, another client, other resource
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
sqlite3 "$DB" "UPDATE auth_codes SET expires_at = 0 WHERE used_at IS NULL"
exchange
check_jq "expired code" '.error == "invalid_grant" and (.error_description | test("expired"))'
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
req POST /token --data-urlencode grant_type=authorization_code --data-urlencode "code=$CODE" \
	--data-urlencode "redirect_uri=http://127.0.0.1:33418/other" --data-urlencode "client_id=$CLIENT_ID" \
	--data-urlencode "code_verifier=$VERIFIER"
check_jq "wrong redirect_uri" '.error == "invalid_grant" and (.error_description | test("redirect_uri"))'
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange --data-urlencode "resource=https://other.example/mcp"
check_jq "token for another resource" '.error == "invalid_target"'
req POST /token --data grant_type=refresh_token --data "client_id=$PUBLIC"
check_jq "refresh_token grant" '.error == "unsupported_grant_type"'
req POST /token -H 'Content-Type: application/json' --data '{}'
check_jq "JSON body at /token" '.error == "invalid_request"'
req POST /token --data grant_type=authorization_code --data client_id=nxc_nobody --data code=x
check_status "unknown client at /token" 401
check_jq "unknown client: invalid_client" '.error == "invalid_client"'

# read-only sessions and personal data
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on --data read_only=on --data allow_pii=on
exchange
check_jq "read-only sign-in gets nexudus:read only" '.scope == "nexudus:read"'
sqlite3 "$DB" "SELECT scope, allow_pii FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT 1" | grep -qx 'nexudus:read|1'
expect "session row holds the read-only scope and the PII choice" $? "$(sqlite3 "$DB" "SELECT scope, allow_pii FROM sessions ORDER BY rowid DESC LIMIT 1")"

# confidential client
CLIENT_ID=$CONFIDENTIAL
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
check_status "confidential client without its secret" 401
check_hdr_match "invalid_client challenge" WWW-Authenticate '^Basic'
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange -u "$CONFIDENTIAL:wrong"
check_jq "wrong client secret" '.error == "invalid_client"'
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange -u "$CONFIDENTIAL:$CONF_SECRET"
check_status "client_secret_basic" 200
CONF_TOKEN=$TOKEN

# ---------------------------------------------------------------- the MCP transport
CLIENT_ID=$PUBLIC
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on --data allow_pii=on
exchange
GOOD2=$TOKEN
rpc_as() { # rpc_as TOKEN [curl args]: a JSON-RPC POST to /mcp with that token
	local tok=$1
	shift
	req POST /mcp -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' "$@"
}
rpc() { rpc_as "$GOOD2" "$@"; }
rpc --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
check_status "initialize" 200
check_jq "initialize result" '.id == 1 and .result.protocolVersion == "2025-11-25" and .result.serverInfo.name == "nexmcp" and (.result.capabilities | has("tools"))'
MSID=$(hdr Mcp-Session-Id)
printf '%s' "$MSID" | grep -Eq '^[!-~]{16,}$'
expect "Mcp-Session-Id issued, visible ASCII" $? "'$MSID'"
rpc --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
check_jq "unknown revision negotiated to the latest" '.result.protocolVersion == "2025-11-25"'
rpc -H "Mcp-Session-Id: $MSID" -H 'MCP-Protocol-Version: 2025-11-25' --data '{"jsonrpc":"2.0","method":"notifications/initialized"}'
check_status "notification" 202
[ ! -s "$BODY" ]
expect "202 has no body" $? "$(head -c 100 "$BODY")"
rpc -H "Mcp-Session-Id: $MSID" -H 'MCP-Protocol-Version: 2025-11-25' --data '{"jsonrpc":"2.0","id":"p","method":"ping"}'
check_jq "ping" '.id == "p" and .result == {}'
check_hdr_match "JSON answer" Content-Type '^application/json'
rpc -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
check_jq "tools/list" '.result.tools | type == "array"'
rpc -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"bogus"}}'
check_jq "bad cursor" '.error.code == -32602'
rpc -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":"2.0","id":4,"method":"no/such"}'
check_jq "unknown method" '.error.code == -32601'
rpc -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":"1.0","id":5,"method":"ping"}'
check_status "invalid JSON-RPC" 400
check_jq "invalid JSON-RPC error" '.error.code == -32600'
rpc -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":'
check_status "malformed JSON" 400
check_jq "parse error" '.error.code == -32700'
rpc --data '{"jsonrpc":"2.0","id":6,"method":"ping"}'
check_status "missing Mcp-Session-Id" 400
rpc -H 'Mcp-Session-Id: nope' --data '{"jsonrpc":"2.0","id":7,"method":"ping"}'
check_status "unknown Mcp-Session-Id" 404
rpc -H "Mcp-Session-Id: $MSID" -H 'MCP-Protocol-Version: 1999-01-01' --data '{"jsonrpc":"2.0","id":8,"method":"ping"}'
check_status "unsupported MCP-Protocol-Version" 400
rpc -H "Mcp-Session-Id: $MSID" --data '[{"jsonrpc":"2.0","id":9,"method":"ping"}]'
check_status "no batches after 2025-03-26" 400
req POST /mcp -H "Authorization: Bearer $GOOD2" -H 'Content-Type: application/json' -H 'Accept: application/json' -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":"2.0","id":10,"method":"ping"}'
check_status "Accept without text/event-stream" 406
req POST /mcp -H "Authorization: Bearer $GOOD2" -H 'Content-Type: text/plain' -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $MSID" --data '{}'
check_status "wrong Content-Type" 415
req GET /mcp -H "Authorization: Bearer $GOOD2"
check_status "GET /mcp" 405
rpc --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"old","version":"1"}}}'
OLD=$(hdr Mcp-Session-Id)
rpc -H "Mcp-Session-Id: $OLD" --data '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]'
check_jq "2025-03-26 batch: one answer per request" 'type == "array" and length == 2 and .[0].id == 1 and .[1].id == 2'
req DELETE /mcp -H "Authorization: Bearer $GOOD2" -H "Mcp-Session-Id: $MSID"
check_status "DELETE ends the MCP session" 204
rpc -H "Mcp-Session-Id: $MSID" --data '{"jsonrpc":"2.0","id":11,"method":"ping"}'
check_status "ended MCP session" 404
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
rpc_as "$TOKEN" -H "Mcp-Session-Id: $OLD" --data '{"jsonrpc":"2.0","id":12,"method":"ping"}'
check_status "an MCP session belongs to its sign-in" 404

# ---------------------------------------------------------------- 2026-07-28 (stateless)
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"curl","version":"1"}}'
MV=(-H 'MCP-Protocol-Version: 2026-07-28')
rpc "${MV[@]}" -H 'Mcp-Method: server/discover' --data "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"server/discover\",\"params\":{$META}}"
check_status "2026-07-28: server/discover without initialize" 200
check_jq "2026-07-28: discover lists the revisions, tools, serverInfo in _meta, caching hints" '.id == "d" and .result.resultType == "complete" and (.result.supportedVersions | index("2026-07-28") != null and index("2025-11-25") != null) and (.result.capabilities | has("tools")) and .result._meta["io.modelcontextprotocol/serverInfo"].name == "nexmcp" and .result.ttlMs >= 0 and .result.cacheScope == "public"'
[ -z "$(hdr Mcp-Session-Id)" ]
expect "2026-07-28: no Mcp-Session-Id minted" $? "$(hdr Mcp-Session-Id)"
rpc "${MV[@]}" -H 'Mcp-Method: tools/list' -H 'Mcp-Session-Id: stale' --data "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{$META}}"
check_jq "2026-07-28: tools/list (a stray Mcp-Session-Id ignored) with ttlMs/cacheScope" '.result.resultType == "complete" and (.result.tools | length) >= 10 and (.result.ttlMs | type) == "number" and .result.cacheScope == "public" and ([.result.tools[] | select(.inputSchema.properties.entity != null) | .inputSchema.properties.entity["x-mcp-header"] == "Entity"] | all)'
rpc "${MV[@]}" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: nexudus_describe_entity' -H 'Mcp-Param-Entity: =?base64?Y293b3JrZXJz?=' --data "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nexudus_describe_entity\",\"arguments\":{\"entity\":\"coworkers\"},$META}}"
check_jq "2026-07-28: tools/call through the web server, entity mirrored in base64" '.result.resultType == "complete" and .result.isError == false and .result.structuredContent.name == "coworkers"'
rpc "${MV[@]}" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: nexudus_describe_entity' -H 'Mcp-Param-Entity: bookings' --data "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"nexudus_describe_entity\",\"arguments\":{\"entity\":\"coworkers\"},$META}}"
check_status "2026-07-28: Mcp-Param-Entity disagreeing with the body" 400
check_jq "2026-07-28: HeaderMismatch error with the request id" '.id == 4 and .error.code == -32020'
rpc "${MV[@]}" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: nexudus_whoami' --data "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"nexudus_describe_entity\",\"arguments\":{\"entity\":\"coworkers\"},$META}}"
check_jq "2026-07-28: Mcp-Name disagreeing with the body" '.error.code == -32020'
rpc "${MV[@]}" --data "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":{$META}}"
check_status "2026-07-28: Mcp-Method missing" 400
rpc "${MV[@]}" -H 'Mcp-Method: tools/list' --data '{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}'
check_status "2026-07-28: _meta missing" 400
check_jq "2026-07-28: _meta missing is invalid params" '.id == 7 and .error.code == -32602'
rpc -H 'MCP-Protocol-Version: 2099-01-01' -H 'Mcp-Method: tools/list' --data '{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}'
check_status "2026-07-28: unsupported version" 400
check_jq "2026-07-28: UnsupportedProtocolVersion lists ours and echoes the request" '.error.code == -32022 and .error.data.requested == "2099-01-01" and (.error.data.supported | index("2026-07-28") != null)'
rpc "${MV[@]}" -H 'Mcp-Method: ping' --data "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{$META}}"
check_status "2026-07-28: ping was removed" 404
check_jq "2026-07-28: removed method is -32601" '.error.code == -32601 and .id == 9'
rpc "${MV[@]}" -H 'Mcp-Method: initialize' --data "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"initialize\",\"params\":{$META}}"
check_status "2026-07-28: initialize with modern _meta is not a method" 404
req POST /mcp -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "${MV[@]}" -H 'Mcp-Method: tools/list' --data "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/list\",\"params\":{$META}}"
check_status "2026-07-28: no token" 401

# ---------------------------------------------------------------- the tools
rpc --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"tools","version":"1"}}}'
TS=$(hdr Mcp-Session-Id)
call_tool() { # call_tool NAME ARGS-JSON: BODY holds the JSON-RPC answer
	rpc -H "Mcp-Session-Id: $TS" -H 'MCP-Protocol-Version: 2025-11-25' \
		--data "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}"
}
rpc -H "Mcp-Session-Id: $TS" --data '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
check_jq "tools/list: every tool has a schema closed to extra arguments and all four annotations" '(.result.tools | length) >= 10 and all(.result.tools[]; .inputSchema.type == "object" and .inputSchema.additionalProperties == false and (.annotations | has("readOnlyHint") and has("destructiveHint") and has("idempotentHint") and has("openWorldHint")))'
check_jq "tools/list: the hosted server's generic tools are there" '[.result.tools[].name] as $n | all(["nexudus_list_entities","nexudus_describe_entity","nexudus_list","nexudus_get","nexudus_create","nexudus_update","nexudus_delete","nexudus_reauthenticate","nexudus_change_pii_redaction_setting","nexudus_whoami"][]; . as $t | $n | index($t) != null)'
check_jq "tools/list: every entity argument lists the 208 catalog entities and carries x-mcp-header" '[.result.tools[] | .inputSchema.properties.entity | select(. != null)] as $e | ($e | length) >= 9 and all($e[]; (.enum | length) == 208 and (.enum | index("coworkers")) != null and .["x-mcp-header"] == "Entity")'
check_jq "tools/list: nexudus_resource_availability, read-only, with its catalog enum and an outputSchema" '.result.tools[] | select(.name == "nexudus_resource_availability") | .annotations.readOnlyHint == true and .inputSchema.required == ["from","to"] and (.inputSchema.properties.resource_type.enum | index("MeetingRoom")) != null and .outputSchema.type == "object"'
call_tool nexudus_list_entities '{}'
check_jq "nexudus_list_entities: 208 entities" '.result.isError == false and .result.structuredContent.count == 208 and (.result.content[0].text | length) > 100'
call_tool nexudus_describe_entity '{"entity":"coworkers"}'
check_jq "nexudus_describe_entity" '.result.structuredContent.path == "/api/spaces/coworkers" and any(.result.structuredContent.fields[]; .name == "FullName" and .required_on_create and .pii == "NAME") and any(.result.structuredContent.fields[]; .name == "CoworkerType" and (.enum | length) == 2)'
call_tool nexudus_list '{"entity":"coworkers","size":5}'
check_jq "nexudus_list" '.result.isError == false and (.result.structuredContent.Records | length) == 5 and .result.structuredContent.TotalItems == 300'
CID=$(jq '.result.structuredContent.Records[2].Id' "$BODY")
CNAME=$(jq -r '.result.structuredContent.Records[2].FullName' "$BODY")
call_tool nexudus_list "{\"entity\":\"coworkers\",\"filters\":{\"FullName\":$(jq -n --arg v "$CNAME" '$v')},\"size\":100}"
check_jq "nexudus_list with a filter" "(.result.structuredContent.Records | length) >= 1 and any(.result.structuredContent.Records[]; .Id == $CID)"
call_tool nexudus_list '{"entity":"coworkers","orderBy":"FullName","dir":"desc","size":50}'
check_jq "nexudus_list ordered descending" '[.result.structuredContent.Records[].FullName | ascii_downcase] as $n | $n == ($n | sort | reverse)'
call_tool nexudus_list '{"entity":"bookings","from":{"FromTime":"2020-01-01T00:00"},"to":{"FromTime":"2100-01-01T00:00"},"size":3}'
check_jq "nexudus_list with a range" '.result.isError == false and (.result.structuredContent.Records | length) == 3'
call_tool nexudus_list '{"entity":"cowrkers"}'
check_jq "unknown entity: error with suggestions" '.result.isError == true and (.result.content[0].text | test("coworkers"))'
call_tool nexudus_list '{"entity":"coworkers","filters":{"Nmae":"x"}}'
check_jq "unknown field refused" '.result.isError == true and (.result.content[0].text | test("no field"))'
call_tool nexudus_list '{"entity":"coworkers","size":500}'
check_jq "size is capped" '.result.isError == true'
call_tool nexudus_get "{\"entity\":\"coworkers\",\"id\":$CID}"
check_jq "nexudus_get includes collection fields" ".result.structuredContent.Id == $CID and (.result.structuredContent | has(\"Businesses\"))"
call_tool nexudus_delete "{\"entity\":\"coworkers\",\"id\":$CID}"
check_jq "an operation the entity lacks is refused before any call" '.result.isError == true and (.result.content[0].text | test("does not allow"))'
BIZ=$(curl -s -H "Authorization: Bearer $(curl -s --data-urlencode grant_type=password --data-urlencode "username=$ADMIN" --data-urlencode "password=$PW" "http://127.0.0.1:$SIM_PORT/api/token" | jq -r .access_token)" "http://127.0.0.1:$SIM_PORT/api/sys/businesses" | jq '.Records[0].Id')
RT=$(curl -s -H "Authorization: Bearer $(curl -s --data-urlencode grant_type=password --data-urlencode "username=$ADMIN" --data-urlencode "password=$PW" "http://127.0.0.1:$SIM_PORT/api/token" | jq -r .access_token)" "http://127.0.0.1:$SIM_PORT/api/spaces/resourcetypes?size=1" | jq '.Records[0].Id')
call_tool nexudus_create "{\"entity\":\"resources\",\"fields\":{\"BusinessId\":$BIZ,\"Name\":\"Tool room\",\"SystemResourceType\":1,\"ResourceTypeId\":$RT,\"DisplayOrder\":1,\"CancellationFeeType\":\"Absolute\",\"Description\":\"keep me\"}}"
check_jq "nexudus_create" '.result.isError == false and (.result.structuredContent.Value.Id | type) == "number"'
NEWID=$(jq '.result.structuredContent.Value.Id' "$BODY")
call_tool nexudus_create '{"entity":"resources","fields":{"Name":"x"}}'
check_jq "create: Nexudus's validation details come back" '.result.isError == true and (.result.content[0].text | test("BusinessId"))'
call_tool nexudus_update "{\"entity\":\"resources\",\"id\":$NEWID,\"fields\":{\"Name\":\"Tool room 2\"}}"
check_jq "nexudus_update" '.result.isError == false'
call_tool nexudus_get "{\"entity\":\"resources\",\"id\":$NEWID}"
check_jq "update merges: untouched fields stay" '.result.structuredContent.Name == "Tool room 2" and .result.structuredContent.Description == "keep me"'
call_tool nexudus_delete "{\"entity\":\"resources\",\"id\":$NEWID}"
check_jq "nexudus_delete" '.result.isError == false'
call_tool nexudus_get "{\"entity\":\"resources\",\"id\":$NEWID}"
check_jq "deleted record: a clear not-found error" '.result.isError == true and (.result.content[0].text | test("404"))'
call_tool nexudus_list_commands '{"entity":"coworkers"}'
check_jq "nexudus_list_commands" '.result.isError == false and ([.result.structuredContent.result[].Key] | index("COWORKER_ARCHIVE")) != null'
call_tool nexudus_list_commands '{"entity":"tariffs"}'
check_jq "list_commands on an entity without commands" '.result.isError == true and (.result.content[0].text | test("no commands"))'
call_tool nexudus_run_command "{\"entity\":\"coworkers\",\"key\":\"COWORKER_ARCHIVE\",\"ids\":[$CID]}"
check_jq "nexudus_run_command" '.result.isError == false'
call_tool nexudus_get "{\"entity\":\"coworkers\",\"id\":$CID}"
check_jq "the command took effect" '.result.structuredContent.Archived == true'
call_tool nexudus_run_command "{\"entity\":\"coworkers\",\"key\":\"NOPE\",\"ids\":[$CID]}"
check_jq "unknown command key: Nexudus's refusal comes back" '.result.isError == true and (.result.content[0].text | test("Key"))'
call_tool nexudus_find_members "{\"name\":$(jq -n --arg v "$CNAME" '$v')}"
check_jq "nexudus_find_members" "any(.result.structuredContent.Records[]; .Id == $CID)"
call_tool nexudus_bookings_between '{"from":"2000-01-01","to":"2100-01-01","size":5}'
check_jq "nexudus_bookings_between" '(.result.structuredContent.Records | length) == 5 and ([.result.structuredContent.Records[].FromTime] as $t | $t == ($t | sort))'
call_tool nexudus_bookings_between '{"from":"2000-01-01"}'
check_jq "specialist tools check their required arguments" '.result.isError == true or .error.code == -32602'
# nexudus_resource_availability, checked against the simulator's own data,
# read straight from it (all resources and all bookings) and compared in jq.
SIMTOK=$(curl -s --data-urlencode grant_type=password --data-urlencode "username=$ADMIN" --data-urlencode "password=$PW" "http://127.0.0.1:$SIM_PORT/api/token" | jq -r .access_token)
curl -s -H "Authorization: Bearer $SIMTOK" "http://127.0.0.1:$SIM_PORT/api/spaces/bookings?size=1000" >"$OUT/sim-bookings.json"
curl -s -H "Authorization: Bearer $SIMTOK" "http://127.0.0.1:$SIM_PORT/api/spaces/resources?size=1000" >"$OUT/sim-resources.json"
# expected_availability FROM TO [LOCATION]: {free, booked} resource Ids, sorted
expected_availability() {
	jq -n -c --arg f "$1" --arg t "$2" --argjson loc "${3:-null}" \
		--slurpfile b "$OUT/sim-bookings.json" --slurpfile r "$OUT/sim-resources.json" '
		def utc: sub("Z$"; "") | if test("T") then . else . + "T00:00" end |
			if test("T[0-9]{2}:[0-9]{2}$") then . + ":00" else . end | . + "Z";
		($f | utc) as $F | ($t | utc) as $T |
		[$b[0].Records[] | select(.FromTime < $T and .ToTime > $F) | .ResourceId] as $busy |
		[$r[0].Records[] | select(.Archived != true and ($loc == null or .BusinessId == $loc)) | .Id] as $ids |
		{free: [$ids[] | select(. as $i | $busy | index($i) | not)] | sort,
		 booked: [$ids[] | select(. as $i | $busy | index($i))] | sort}'
}
got_availability() { jq -c '.result.structuredContent | {free: [.free[].Id] | sort, booked: [.booked[].Id] | sort}' "$BODY"; }
BK=$(jq -c '[.Records[] | select(.FromTime != null and .ToTime != null)] | sort_by(.Id) | .[length / 2 | floor]' "$OUT/sim-bookings.json")
BK_ID=$(jq -r .Id <<<"$BK")
BK_RES=$(jq -r .ResourceId <<<"$BK")
BK_FROM=$(jq -r .FromTime <<<"$BK")
BK_TO=$(jq -r .ToTime <<<"$BK")
call_tool nexudus_resource_availability "{\"from\":\"$BK_FROM\",\"to\":\"$BK_TO\"}"
check_jq "nexudus_resource_availability: a booking's resource is booked for its time, with that booking" ".result.isError == false and any(.result.structuredContent.booked[]; .Id == $BK_RES and any(.bookings[]; .Id == $BK_ID and .FromTime == \"$BK_FROM\" and .ToTime == \"$BK_TO\"))"
check_jq "nexudus_resource_availability: structuredContent conforms to the outputSchema" '.result.structuredContent | (.from | type) == "string" and (.to | type) == "string" and (.resources_checked | type) == "number" and (.bookings_checked | type) == "number" and (.truncated | type) == "boolean" and (.note | type) == "string" and all(.free[]; (.Id | type) == "number" and has("Name") and has("BusinessId") and (has("bookings") | not)) and all(.booked[]; (.Id | type) == "number" and (.bookings | length) >= 1 and all(.bookings[]; (.Id | type) == "number" and (.FromTime | type) == "string" and (.ToTime | type) == "string"))'
check_jq "nexudus_resource_availability: each resource once, nothing truncated" '.result.structuredContent | ([.free[].Id] + [.booked[].Id]) as $a | ($a | length) == .resources_checked and ($a | unique | length) == ($a | length) and .truncated == false'
WANT=$(expected_availability "$BK_FROM" "$BK_TO")
GOT=$(got_availability)
[ "$WANT" = "$GOT" ] && [ "$(jq '.free | length' <<<"$WANT")" -gt 0 ]
expect "nexudus_resource_availability: free and booked match the simulator's bookings" $? "want $WANT got $GOT"
FREE_RES=$(jq '.free[0]' <<<"$WANT")
call_tool nexudus_list "{\"entity\":\"bookings\",\"filters\":{\"ResourceId\":$FREE_RES},\"size\":100}"
check_jq "...a resource reported free has no booking overlapping the window" "(.result.structuredContent.Records | length) >= 0 and all(.result.structuredContent.Records[]; .FromTime >= \"$BK_TO\" or .ToTime <= \"$BK_FROM\")"
# a day's window, by date alone, limited to one location
DAY=${BK_FROM%%T*}
NEXT=$(jq -rn --arg d "$DAY" '$d + "T00:00:00Z" | fromdateiso8601 + 86400 | todate | .[0:10]')
call_tool nexudus_resource_availability "{\"from\":\"$DAY\",\"to\":\"$NEXT\",\"location_id\":$BIZ}"
WANT=$(expected_availability "$DAY" "$NEXT" "$BIZ")
GOT=$(got_availability)
[ "$WANT" = "$GOT" ] && [ "$(jq '.free + .booked | length' <<<"$WANT")" -eq 8 ]
expect "nexudus_resource_availability: a whole day at one location matches the simulator" $? "want $WANT got $GOT"
check_jq "...only that location's resources" "all(.result.structuredContent.free[], .result.structuredContent.booked[]; .BusinessId == $BIZ)"
# one resource, the hour right after the booking: that booking ends as the
# window starts and does not count
AFTER=$(jq -rn --arg t "$BK_TO" '$t | fromdateiso8601 + 3600 | todate')
call_tool nexudus_resource_availability "{\"from\":\"$BK_TO\",\"to\":\"$AFTER\",\"resource_id\":$BK_RES}"
WANT=$(expected_availability "$BK_TO" "$AFTER" | jq -c --argjson id "$BK_RES" '{free: [.free[] | select(. == $id)], booked: [.booked[] | select(. == $id)]}')
GOT=$(got_availability)
[ "$WANT" = "$GOT" ]
expect "nexudus_resource_availability: one resource, a booking that ends at the window's start is not an overlap" $? "want $WANT got $GOT"
check_jq "...only that resource, and not that booking" ".result.structuredContent.resources_checked == 1 and ([.result.structuredContent.booked[].bookings[].Id] | index($BK_ID)) == null"
# the resource type, a catalog enum: all the demo resources are meeting rooms
call_tool nexudus_resource_availability '{"from":"2090-01-01","to":"2090-01-02","resource_type":"MeetingRoom"}'
check_jq "nexudus_resource_availability: a resource type (catalog enum), far from any booking: all free" "(.result.structuredContent.free | length) == $(jq '[.Records[] | select(.Archived != true and .SystemResourceType == 1)] | length' "$OUT/sim-resources.json") and (.result.structuredContent.booked | length) == 0"
call_tool nexudus_resource_availability '{"from":"2090-01-01","to":"2090-01-02","resource_type":"HotDesk"}'
check_jq "...a type no demo resource has: none" ".result.isError == false and .result.structuredContent.resources_checked == $(jq '[.Records[] | select(.Archived != true and .SystemResourceType == 2)] | length' "$OUT/sim-resources.json")"
call_tool nexudus_resource_availability '{"from":"2090-01-01","to":"2090-01-02","resource_type":"Spaceship"}'
check_jq "...a value outside the catalog enum is refused with the allowed ones" '.result.isError == true and (.result.content[0].text | test("not allowed.*MeetingRoom"))'
call_tool nexudus_resource_availability '{"from":"2026-02-01","to":"2026-01-01"}'
check_jq "...an empty window is refused" '.result.isError == true and (.result.content[0].text | test("later than from"))'
call_tool nexudus_resource_availability '{"from":"2026-01-01"}'
check_jq "...to is required" '.result.isError == true and (.result.content[0].text | test("Missing argument .to."))'
call_tool nexudus_unpaid_invoices '{"overdue_only":true,"size":100}'
NOW=$(date -u +%Y-%m-%dT%H:%M)
check_jq "nexudus_unpaid_invoices overdue" "(.result.structuredContent.Records | length) > 0 and all(.result.structuredContent.Records[]; .Paid == false and .DueDate <= \"$NOW\")"
call_tool nexudus_todays_checkins '{"size":100}'
TODAY=$(date -u +%Y-%m-%d)
check_jq "nexudus_todays_checkins" "(.result.structuredContent.Records | length) > 0 and all(.result.structuredContent.Records[]; .FromTime >= \"$TODAY\")"
call_tool nexudus_get_skill_guide '{}'
check_jq "nexudus_get_skill_guide" '(.result.structuredContent.guide | test("nexudus_describe_entity"))'
call_tool nexudus_get_entity_guide '{"entity":"bookings"}'
check_jq "nexudus_get_entity_guide" '(.result.structuredContent.required_on_create | index("FromTime")) != null and (.result.structuredContent.notes | length) > 0'
call_tool nexudus_whoami '{}'
check_jq "nexudus_whoami" '(.result.structuredContent.nexudus_user_id | type) == "number" and (.result.structuredContent.locations | length) == 3 and .result.structuredContent.scope == "nexudus:read nexudus:write" and .result.structuredContent.personal_data_visible == true'
call_tool nexudus_get '{"entity":"resources"}'
check_jq "argument validation: missing id" '.result.isError == true and (.result.content[0].text | test("Missing argument .id."))'
call_tool nexudus_get '{"entity":"resources","id":"7"}'
check_jq "argument validation: wrong type" '.result.isError == true and (.result.content[0].text | test("type integer"))'
call_tool nexudus_list '{"entity":"resources","colour":"red"}'
check_jq "argument validation: unknown argument" '.result.isError == true and (.result.content[0].text | test("Unknown argument"))'
call_tool nexudus_list '{"entity":"resources","dir":"sideways"}'
check_jq "argument validation: enum" '.result.isError == true and (.result.content[0].text | test("not allowed"))'
rpc -H "Mcp-Session-Id: $TS" --data '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}'
check_jq "unknown tool" '.error.code == -32602'
curl -s -X POST -H 'Content-Type: application/json' --data '{"kind":"throttle409","seconds":1}' "http://127.0.0.1:$SIM_PORT/_sim/faults" >/dev/null
call_tool nexudus_list '{"entity":"tariffs","size":1}'
check_jq "throttling (409 + Retry-After) is retried" '.result.isError == false'
curl -s -X POST -H 'Content-Type: application/json' --data '{"kind":"error500","count":4}' "http://127.0.0.1:$SIM_PORT/_sim/faults" >/dev/null
call_tool nexudus_list '{"entity":"tariffs","size":1}'
check_jq "a Nexudus 500 is a tool error naming the cause" '.result.isError == true and (.result.content[0].text | test("HTTP 500"))'
curl -s -X DELETE "http://127.0.0.1:$SIM_PORT/_sim/faults" >/dev/null
# a session that asked for redaction gets records with tokens, never values
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
rpc_as "$TOKEN" --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"r","version":"1"}}}'
RS=$(hdr Mcp-Session-Id)
rpc_as "$TOKEN" -H "Mcp-Session-Id: $RS" --data '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nexudus_list","arguments":{"entity":"coworkers","size":5}}}'
check_jq "redacted session: records come with tokens, never e-mail addresses" '.result.isError == false and (.result.structuredContent.Records[0].Email | test("^«PII:EMAIL:[0-9a-f]{8,}»$")) and (tostring | test("@example") | not) and .result._meta["nexmcp/personalDataRedacted"] == true'
# The tokens of that answer are recorded after it was sent; passed back at
# once (by another process, under CGI) they must still resolve.
EMAIL_TOKEN=$(jq -r '.result.structuredContent.Records[0].Email' "$BODY")
MEMBER_ID=$(jq -r '.result.structuredContent.Records[0].Id' "$BODY")
rpc_as "$TOKEN" -H "Mcp-Session-Id: $RS" --data "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nexudus_list\",\"arguments\":{\"entity\":\"coworkers\",\"filters\":{\"Email\":\"$EMAIL_TOKEN\"}}}}"
check_jq "redacted session: an e-mail token passed straight back finds its member" ".result.isError == false and (.result.structuredContent.Records | length) == 1 and .result.structuredContent.Records[0].Id == $MEMBER_ID and .result.structuredContent.Records[0].Email == \"$EMAIL_TOKEN\""
# A 2025-03-26 batch of two calls: the first call's tokens are recorded
# before the second runs, the second's after the answer; both resolve.
rpc_as "$TOKEN" --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}'
BS=$(hdr Mcp-Session-Id)
rpc_as "$TOKEN" -H "Mcp-Session-Id: $BS" --data '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nexudus_list","arguments":{"entity":"coworkers","size":3,"page":3}}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nexudus_list","arguments":{"entity":"coworkers","size":3,"page":4}}}]'
check_jq "redacted session: a batch of two tool calls, both redacted" 'length == 2 and all(.[]; .result.isError == false and (.result.structuredContent.Records[0].Email | startswith("«PII:EMAIL:")))'
T1=$(jq -r '.[] | select(.id == 1) | .result.structuredContent.Records[0].Email' "$BODY")
T2=$(jq -r '.[] | select(.id == 2) | .result.structuredContent.Records[0].Email' "$BODY")
rpc_as "$TOKEN" -H "Mcp-Session-Id: $BS" --data "[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nexudus_list\",\"arguments\":{\"entity\":\"coworkers\",\"filters\":{\"Email\":\"$T1\"}}}},{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"nexudus_list\",\"arguments\":{\"entity\":\"coworkers\",\"filters\":{\"Email\":\"$T2\"}}}}]"
check_jq "redacted session: the tokens of both calls of the batch resolve" "length == 2 and ([.[] | .result.structuredContent.Records[0].Email] | sort) == ([\"$T1\", \"$T2\"] | sort)"
# a read-only session may read but not write
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on --data read_only=on --data allow_pii=on
exchange
RO=$TOKEN
rpc_as "$RO" --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ro","version":"1"}}}'
ROS=$(hdr Mcp-Session-Id)
rpc_as "$RO" -H "Mcp-Session-Id: $ROS" --data '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nexudus_list","arguments":{"entity":"tariffs","size":1}}}'
check_jq "read-only session reads" '.result.isError == false'
rpc_as "$RO" -H "Mcp-Session-Id: $ROS" --data '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nexudus_delete","arguments":{"entity":"tariffs","id":1}}}'
check_status "read-only session writing" 403
check_hdr_match "insufficient_scope challenge" WWW-Authenticate '^Bearer error="insufficient_scope", .*resource_metadata=.*scope="nexudus:read nexudus:write"'
# a Nexudus 401 (password changed) ends the session with an HTTP 401
curl -s -X POST -H 'Content-Type: application/json' --data "{\"email\":\"$ADMIN\",\"password\":\"$PW\"}" "http://127.0.0.1:$SIM_PORT/_sim/password" >/dev/null
call_tool nexudus_list '{"entity":"tariffs","size":1}'
check_status "Nexudus refusing the token is an HTTP 401" 401
check_hdr_match "...with invalid_token" WWW-Authenticate 'error="invalid_token"'
call_tool nexudus_list_entities '{}'
check_status "...and the session stays revoked" 401
# reauthenticate
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
GOOD2=$TOKEN
rpc --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"tools","version":"1"}}}'
TS=$(hdr Mcp-Session-Id)
call_tool nexudus_reauthenticate '{}'
check_jq "nexudus_reauthenticate" '.result.structuredContent.revoked == true'
call_tool nexudus_list_entities '{}'
check_status "after reauthenticate the token is refused" 401

# ---------------------------------------------------------------- sessions end
CLIENT_ID=$PUBLIC
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
T=$TOKEN
sqlite3 "$DB" "UPDATE sessions SET expires_at = 1 WHERE revoked_at IS NULL AND session_id = (SELECT session_id FROM sessions ORDER BY rowid DESC LIMIT 1)"
mcp "$T"
check_status "expired session" 401
check_hdr_match "expired session challenge" WWW-Authenticate 'error="invalid_token", error_description="session expired'
req POST /revoke --data-urlencode "token=$CONF_TOKEN" --data-urlencode "client_id=$PUBLIC"
check_status "revoking another client's token answers 200" 200
mcp "$CONF_TOKEN"
[ "$STATUS" != 401 ]
expect "...but does not revoke it" $? "got $STATUS"
req POST /revoke --data-urlencode "token=$CONF_TOKEN" -u "$CONFIDENTIAL:$CONF_SECRET"
check_status "revocation" 200
mcp "$CONF_TOKEN"
check_status "revoked session" 401
check_hdr_match "revoked session challenge" WWW-Authenticate 'error_description="session revoked'
req POST /revoke --data-urlencode "token=nxm1.garbage.garbage" --data-urlencode "client_id=$PUBLIC"
check_status "unknown token at /revoke" 200

# forged tokens: every character changed in turn
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
T=$TOKEN
bad=0
for i in $(seq 0 $((${#T} - 1))); do
	c=${T:$i:1}
	[ "$c" = A ] && r=B || r=A
	[ "$c" = . ] && continue
	F="${T:0:$i}$r${T:$((i + 1))}"
	code=$(curl -s --cacert "$CACERT" -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $F" \
		-H 'Content-Type: application/json' --data '{}' "$BASE/mcp")
	[ "$code" = 401 ] || { bad=$((bad + 1)); echo "# forged at $i accepted: $code"; }
done
[ "$bad" -eq 0 ]
expect "every one-character forgery of a token is refused (${#T} tried)" $? "$bad accepted"
mcp "$T"
[ "$STATUS" != 401 ]
expect "the unforged token still works" $? "got $STATUS"

# ---------------------------------------------------------------- Client ID Metadata Documents
DOC=$BASE/static/client.json
cat >"$STATE/www/static/client.json" <<JSON
{"client_id": "$DOC", "client_name": "CIMD Test Client", "redirect_uris": ["$REDIRECT"],
 "token_endpoint_auth_method": "none", "grant_types": ["authorization_code"]}
JSON
cat >"$STATE/www/static/wrong-id.json" <<JSON
{"client_id": "https://elsewhere.example/client.json", "redirect_uris": ["$REDIRECT"]}
JSON
cat >"$STATE/www/static/no-redirects.json" <<JSON
{"client_id": "$BASE/static/no-redirects.json", "client_name": "x"}
JSON
chmod 644 "$STATE"/www/static/*.json
CLIENT_ID=$(jq -rn --arg v "$DOC" '$v|@uri')
authorize
check_status "metadata-document client: login page" 200
grep -q 'CIMD Test Client' "$BODY"
expect "the document's client_name is shown" $? ""
sqlite3 "$DB" "SELECT count(*) FROM client_documents WHERE url = '$DOC' AND expires_at > strftime('%s','now')" | grep -qx 1
expect "the document is cached" $? ""
sign_in "$ADMIN" "$PW" --data disclaimer=on
check_status "metadata-document client signs in" 302
CLIENT_ID=$DOC
exchange
check_status "metadata-document client exchanges its code" 200
mcp "$TOKEN"
[ "$STATUS" != 401 ]
expect "metadata-document client's token accepted" $? "got $STATUS"
for bad in wrong-id.json no-redirects.json missing.json; do
	req GET "/authorize?response_type=code&client_id=$(jq -rn --arg v "$BASE/static/$bad" '$v|@uri')&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256"
	check_status "metadata document refused: $bad" 400
done
req GET "/authorize?response_type=code&client_id=$(jq -rn --arg v "$BASE/" '$v|@uri')&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256"
check_status "metadata document URL without a path refused" 400
CLIENT_ID=$PUBLIC

# the admin tool: list, revoke, sweep
CTL=("$STATE/nexmcpctl" -c "$STATE/etc/nexmcp.conf")
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
T=$TOKEN
"${CTL[@]}" sessions >"$OUT/sessions.txt"
grep -Eq '^[0-9]+ active sessions?$' "$OUT/sessions.txt" && ! grep -qF "$ADMIN" "$OUT/sessions.txt"
expect "nexmcpctl sessions lists sessions, without e-mail addresses" $? "$(tail -n 2 "$OUT/sessions.txt")"
SID=$(sqlite3 "$DB" "SELECT session_id FROM sessions ORDER BY rowid DESC LIMIT 1")
"${CTL[@]}" revoke "$SID" | grep -qx '1 session revoked'
expect "nexmcpctl revoke" $? ""
mcp "$T"
check_status "a session revoked by the admin tool" 401
"${CTL[@]}" revoke no-such-session >/dev/null
[ $? -eq 1 ]
expect "nexmcpctl revoke of an unknown id fails" $? ""
sqlite3 "$DB" "UPDATE sessions SET expires_at = 1 WHERE session_id = '$SID'"
"${CTL[@]}" sweep >"$OUT/sweep.txt"
grep -Eq 'removed: [1-9][0-9]* sessions' "$OUT/sweep.txt" &&
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM sessions WHERE expires_at < strftime('%s','now')")" = 0 ]
expect "nexmcpctl sweep removes expired rows" $? "$(cat "$OUT/sweep.txt")"
authorize
sed -i '/name="csrf"/d' "$BODY"
sign_in "$ADMIN" "$PW" --data disclaimer=on
check_status "CSRF token missing" 400

# throttling after repeated failures
for i in 1 2 3 4 5; do
	authorize
	sign_in limited@demo.nexudus.test "nope-$i" --data disclaimer=on
done
authorize
sign_in limited@demo.nexudus.test "$PW" --data disclaimer=on
check_status "throttled after 5 failures" 429
grep -q 'Too many failed attempts. Wait 15 minutes' "$BODY"
expect "throttle explained with the wait" $? "$(grep -o 'class="error"[^<]*' "$BODY")"
[ -n "$(hdr Retry-After)" ]
expect "throttle has Retry-After" $? ""

# Without the test switch a loopback document is refused before any
# connection is made (the address is checked after DNS resolution).
nxm_server_stop
nxm_config "$STATE" "$PORT" "http://127.0.0.1:$SIM_PORT" "client_document_ca_file = $STATE/etc/tls.crt"
nxm_server_start "$STATE" "$PORT" "$SERVER"
nxm_wait_https "$PORT"
cp "$STATE/www/static/client.json" "$STATE/www/static/client2.json"
sed -i "s|$DOC|$BASE/static/client2.json|" "$STATE/www/static/client2.json"
req GET "/authorize?response_type=code&client_id=$(jq -rn --arg v "$BASE/static/client2.json" '$v|@uri')&redirect_uri=$REDIRECT&code_challenge=$CHALLENGE&code_challenge_method=S256"
check_status "loopback metadata document refused without the test switch" 400
grep -rq 'address not allowed' "$STATE/log"
expect "refused for its address, not for a failed connection" $? ""

# The password never reaches the logs or the database.
! grep -rqF "$PW" "$STATE/log" "$DB"
expect "the password is in no log and not in the database" $? ""
! grep -rqF "$ADMIN" "$STATE/log" && ! sqlite3 "$DB" .dump | grep -qF "$ADMIN"
expect "the e-mail is in no log and not in the database" $? ""

nxm_summary
