#!/usr/bin/env bash
# Personal-data redaction end to end, through lighttpd over TLS against the
# simulator's seeded data, with sessions signed in through the real flow:
#   - the leak test: with redaction on, every tool over every entity that has
#     personal-data fields (every page of the big ones), and no seeded
#     personal value (nexudus-sim --list-pii: every PII field of every seeded
#     record, the e-mails and phones notes embed, the addresses and birth
#     dates invoice descriptions embed) appears in any response, nor the date
#     of a birth date or the day either side of it; with redaction off the
#     same calls do show them;
#   - tokens passed back: a filter by a name token finds that member; a phone
#     token of one member written onto another lands in the simulator as the
#     real number; unknown and other sessions' tokens are refused;
#   - determinism within a session, difference across sessions;
#   - every tool result says whether redaction is on;
#   - attacks (tests/integration/attack.mjs): canaries in every string field
#     of every entity, tokens in every argument of every tool, laundering
#     through fields that hold no personal data, guessing with partial
#     filters, ranges and ordering.
# Usage: pii.sh BUILDDIR SRCDIR
# Environment: NXM_PII_PORT (HTTPS, 29843), NXM_PII_SIM_PORT (29904).
set -u
export LC_ALL=C
BUILD=$(cd "${1:?builddir}" && pwd)
SRC=$(cd "${2:?srcdir}" && pwd)
# shellcheck disable=SC2034 # read by lib.sh
NXM_SRC=$SRC
# shellcheck source=scripts/lib.sh
. "$SRC/scripts/lib.sh"
# shellcheck source=tests/integration/checks.sh
. "$SRC/tests/integration/checks.sh"
# shellcheck disable=SC2034 # read by nxm_summary
NXM_SUITE=pii

PORT=${NXM_PII_PORT:-29843}
SIM_PORT=${NXM_PII_SIM_PORT:-29904}
OUT=$BUILD/tests/out/pii
nxm_out_dir "$OUT"
STATE=$OUT/state
trap 'nxm_server_stop; nxm_sim_stop' EXIT
nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT"
nxm_server_start "$STATE" "$PORT" lighttpd
nxm_wait_https "$PORT" || { nxm_fail "lighttpd did not start"; nxm_summary; exit 1; }
V=pii
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
REDIRECT=http://127.0.0.1:33419/callback
CATALOG=$SRC/src/nexudus/catalog.json
read -r ADMIN PW <<<"$("$STATE/nexudus-sim" --demo-admin)"
# shellcheck source=tests/integration/flow.sh
. "$SRC/tests/integration/flow.sh"

register "{\"redirect_uris\":[\"$REDIRECT\"],\"token_endpoint_auth_method\":\"none\",\"client_name\":\"pii test\"}"
session() { # session [extra form fields]: a new sign-in; prints its access token
	authorize
	sign_in "$ADMIN" "$PW" --data disclaimer=on "$@"
	exchange
	printf '%s' "$TOKEN"
}
REDACTED=$(session)
REDACTED2=$(session)
VISIBLE=$(session --data allow_pii=on)
[ -n "$REDACTED" ] && [ -n "$REDACTED2" ] && [ -n "$VISIBLE" ]
expect "three sessions signed in (two redacted, one with personal data allowed)" $? "no token"

# call TOKEN NAME ARGS-JSON: tools/call over 2026-07-28; BODY holds the
# answer, also appended to $OUT/<label>.jsonl when LABEL is set.
call() {
	mcp_call "$1" "$2" "$3"
	if [ -n "${LABEL:-}" ]; then
		jq -c . "$BODY" >>"$OUT/$LABEL.jsonl" 2>/dev/null || cat "$BODY" >>"$OUT/$LABEL.jsonl"
	fi
}

# Every tool, every entity with personal-data fields, every page of the
# big ones: the same calls for both sessions.
TODAY=$(date -u +%Y-%m-%d)
FROM=$(date -u -d '-70 days' +%Y-%m-%d)
TO=$(date -u -d '+70 days' +%Y-%m-%d)
PII_ENTITIES=$(jq -r '.entities[] | select(.module != null and ([.fields[] | select(.pii != null)] | length) > 0 and (.operations | index("list") != null)) | .name' "$CATALOG")
run_everything() { # run_everything TOKEN
	local tok=$1 e page id
	call "$tok" nexudus_whoami '{}'
	call "$tok" nexudus_list_entities '{}'
	call "$tok" nexudus_get_skill_guide '{}'
	call "$tok" nexudus_change_pii_redaction_setting '{}'
	call "$tok" nexudus_describe_entity '{"entity":"coworkers"}'
	call "$tok" nexudus_get_entity_guide '{"entity":"coworkers"}'
	call "$tok" nexudus_list_commands '{"entity":"coworkers"}'
	for e in $PII_ENTITIES; do
		for page in 1 2 3 4 5 6 7; do
			call "$tok" nexudus_list "{\"entity\":\"$e\",\"size\":100,\"page\":$page}"
			[ "$(jq -r '.result.structuredContent.Records | length' "$BODY" 2>/dev/null)" = 100 ] || break
		done
	done
	# Single records carry the collection fields lists leave out.
	for e in coworkers bookings coworkerinvoices checkins businesses; do
		call "$tok" nexudus_list "{\"entity\":\"$e\",\"size\":5}"
		for id in $(jq -r '.result.structuredContent.Records[]?.Id' "$BODY"); do
			call "$tok" nexudus_get "{\"entity\":\"$e\",\"id\":$id}"
		done
	done
	call "$tok" nexudus_find_members '{"size":100}'
	call "$tok" nexudus_find_members '{"active":true,"size":100,"page":2}'
	call "$tok" nexudus_bookings_between "{\"from\":\"$FROM\",\"to\":\"$TO\",\"size\":100}"
	call "$tok" nexudus_unpaid_invoices '{"size":100}'
	call "$tok" nexudus_unpaid_invoices '{"overdue_only":true,"size":100}'
	call "$tok" nexudus_todays_checkins '{"size":100}'
	call "$tok" nexudus_resource_availability "{\"from\":\"${TODAY}T08:00\",\"to\":\"${TODAY}T18:00\"}"
	# An upstream refusal: the validation message echoes what was sent.
	call "$tok" nexudus_get '{"entity":"coworkers","id":999999}'
}
LABEL=redacted run_everything "$REDACTED"
LABEL=visible run_everything "$VISIBLE"

"$STATE/nexudus-sim" --db "$STATE/sim/nexudus-sim.db" --list-pii >"$OUT/pii-values.txt"
# Birth dates also by their date, which a visible answer shows in the
# record's DateOfBirth, and the day either side (a "…Local" twin in the
# location's zone), which no answer should show: the leak test looks for all
# of them.
grep -E '^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}T00:00:00Z$' "$OUT/pii-values.txt" | cut -c1-10 |
	sort -u >"$OUT/pii-dates.txt"
while read -r d; do
	date -u -d "$d - 1 day" +%Y-%m-%d
	date -u -d "$d + 1 day" +%Y-%m-%d
done <"$OUT/pii-dates.txt" | sort -u | comm -23 - "$OUT/pii-dates.txt" >"$OUT/pii-shifted.txt"
N_DATES=$(wc -l <"$OUT/pii-dates.txt")
sort -u -o "$OUT/pii-values.txt" "$OUT/pii-values.txt" "$OUT/pii-dates.txt"
sort -u "$OUT/pii-values.txt" "$OUT/pii-shifted.txt" >"$OUT/pii-leak-values.txt"
N_VALUES=$(wc -l <"$OUT/pii-values.txt")
[ "$N_VALUES" -gt 1000 ] && [ "$N_DATES" -gt 250 ]
expect "the simulator lists its seeded personal values ($N_VALUES, with the dates of $N_DATES birth dates; $(wc -l <"$OUT/pii-shifted.txt") days either side)" $? "$N_VALUES"

# Strings of the answers, one per line (structuredContent's own strings and
# the text mirror). E-mails, values of 10 characters or more, and values of
# 8 or more with a digit are searched inside strings; shorter ones (first
# names, "Mr", a city, a postcode that is also part of an invoice number)
# must not be a whole string, since they are also ordinary words.
strings_of() { jq -r '.. | strings' "$OUT/$1.jsonl" >"$OUT/$1-strings.txt"; }
strings_of redacted
strings_of visible
split_values() { # split_values FILE: FILE.long and FILE.short
	awk '/@/ || length($0) >= 10 || (length($0) >= 8 && /[0-9]/)' "$1" >"$1.long"
	awk '!(/@/ || length($0) >= 10 || (length($0) >= 8 && /[0-9]/))' "$1" >"$1.short"
}
# found LABEL: the seeded values in its answers, one per line. grep -o
# reports one of overlapping matches (a note and the e-mail inside it), so
# the search is repeated over the values not found yet.
found() { # found LABEL VALUES-FILE
	local rest=$OUT/rest-$1 new=$OUT/new-$1
	sort -u "$2" >"$rest"
	: >"$OUT/found-$1.txt"
	while :; do
		split_values "$rest"
		{
			grep -o -F -f "$rest.long" "$OUT/$1-strings.txt"
			grep -x -F -f "$rest.short" "$OUT/$1-strings.txt"
		} | sort -u | comm -12 - "$rest" >"$new"
		[ -s "$new" ] || break
		cat "$new" >>"$OUT/found-$1.txt"
		comm -23 "$rest" "$new" >"$rest.next"
		mv "$rest.next" "$rest"
	done
	sort -u -o "$OUT/found-$1.txt" "$OUT/found-$1.txt"
	cat "$OUT/found-$1.txt"
}
N_CALLS=$(wc -l <"$OUT/redacted.jsonl")
LEAKED=$(found redacted "$OUT/pii-leak-values.txt")
[ -z "$LEAKED" ]
expect "leak test: no seeded personal value in $N_CALLS redacted answers" $? "leaked: $(printf '%s' "$LEAKED" | head -n 10 | tr '\n' '|')"
SEEN=$(found visible "$OUT/pii-values.txt" | wc -l)
[ "$SEEN" -ge $((N_VALUES * 95 / 100)) ]
expect "with personal data allowed, the same calls show them ($SEEN of $N_VALUES)" $? "only $SEEN of $N_VALUES; see $OUT/rest-visible"
grep -c '«PII:' "$OUT/redacted-strings.txt" >/dev/null
expect "redacted answers carry tokens" $? "no «PII: token in the answers"
ERRORS=$(jq -s '[.[] | select(.result == null or .result.isError == true)] | length' "$OUT/redacted.jsonl")
[ "$ERRORS" -le 1 ]
expect "every redacted call answered (only the missing record is an error)" $? "$ERRORS errors"
jq -s -e 'all(.[]; .result._meta["nexmcp/personalDataRedacted"] == true)' "$OUT/redacted.jsonl" >/dev/null
expect "every redacted result says so in _meta" $? "$(jq -c '.result._meta' "$OUT/redacted.jsonl" | sort -u | head -3)"
jq -s -e 'all(.[]; .result._meta["nexmcp/personalDataRedacted"] == false)' "$OUT/visible.jsonl" >/dev/null
expect "every visible result says so in _meta" $? "$(jq -c '.result._meta' "$OUT/visible.jsonl" | sort -u | head -3)"

# ---------------------------------------------------------------- determinism
LABEL=
call "$REDACTED" nexudus_list '{"entity":"coworkers","size":3,"orderBy":"Id"}'
cp "$BODY" "$OUT/first.json"
call "$REDACTED" nexudus_list '{"entity":"coworkers","size":3,"orderBy":"Id"}'
jq -e --slurpfile a "$OUT/first.json" '.result.structuredContent.Records == $a[0].result.structuredContent.Records' "$BODY" >/dev/null
expect "the same records give the same tokens within a session" $? "records differ"
NAME_TOKEN=$(jq -r '.result.structuredContent.Records[0].FullName' "$OUT/first.json")
MEMBER_ID=$(jq -r '.result.structuredContent.Records[0].Id' "$OUT/first.json")
printf '%s' "$NAME_TOKEN" | grep -Eq '^«PII:NAME:[0-9a-f]{8,}»$'
expect "a name is a NAME token ($NAME_TOKEN)" $? "$NAME_TOKEN"
call "$REDACTED2" nexudus_list '{"entity":"coworkers","size":3,"orderBy":"Id"}'
OTHER_TOKEN=$(jq -r '.result.structuredContent.Records[0].FullName' "$BODY")
[ "$(jq -r '.result.structuredContent.Records[0].Id' "$BODY")" = "$MEMBER_ID" ] &&
	printf '%s' "$OTHER_TOKEN" | grep -Eq '^«PII:NAME:' && [ "$OTHER_TOKEN" != "$NAME_TOKEN" ]
expect "another session gets another token for the same name" $? "$NAME_TOKEN vs $OTHER_TOKEN"

# ---------------------------------------------------------------- pass-back
call "$REDACTED" nexudus_list "{\"entity\":\"coworkers\",\"filters\":{\"FullName\":\"$NAME_TOKEN\"}}"
jq -e --argjson id "$MEMBER_ID" '.result.isError == false and ([.result.structuredContent.Records[].Id] | index($id) != null)' "$BODY" >/dev/null
expect "a filter by a name token finds that member" $? "$(head -c 300 "$BODY")"
call "$REDACTED" nexudus_list "{\"entity\":\"coworkers\",\"filters\":{\"FullName\":\"$OTHER_TOKEN\"}}"
jq -e '.result.isError == true and (.result.content[0].text | test("Unknown personal-data token"))' "$BODY" >/dev/null
expect "another session's token is refused" $? "$(head -c 300 "$BODY")"
call "$REDACTED" nexudus_find_members '{"name":"«PII:NAME:0badc0de»"}'
jq -e '.result.isError == true and (.result.content[0].text | test("Unknown personal-data token"))' "$BODY" >/dev/null
expect "a made-up token is refused" $? "$(head -c 300 "$BODY")"

# Member B's phone, as a token, written onto member A.
call "$REDACTED" nexudus_list '{"entity":"coworkers","size":50,"orderBy":"Id","filters":{"CoworkerType":1}}'
read -r A_ID B_ID B_PHONE_TOKEN < <(jq -r '[.result.structuredContent.Records[] | select(.MobilePhone != null and .MobilePhone != "")] | "\(.[0].Id) \(.[1].Id) \(.[1].MobilePhone)"' "$BODY")
call "$VISIBLE" nexudus_get "{\"entity\":\"coworkers\",\"id\":$B_ID}"
B_PHONE=$(jq -r '.result.structuredContent.MobilePhone' "$BODY")
call "$REDACTED" nexudus_update "{\"entity\":\"coworkers\",\"id\":$A_ID,\"fields\":{\"MobilePhone\":\"$B_PHONE_TOKEN\"}}"
jq -e '.result.isError == false' "$BODY" >/dev/null
expect "an update with another member's phone token" $? "$(head -c 300 "$BODY")"
call "$VISIBLE" nexudus_get "{\"entity\":\"coworkers\",\"id\":$A_ID}"
[ -n "$B_PHONE" ] && [ "$(jq -r '.result.structuredContent.MobilePhone' "$BODY")" = "$B_PHONE" ]
expect "the real number landed in Nexudus" $? "wanted '$B_PHONE', got $(jq -r '.result.structuredContent.MobilePhone' "$BODY")"
call "$REDACTED" nexudus_get "{\"entity\":\"coworkers\",\"id\":$A_ID}"
[ "$(jq -r '.result.structuredContent.MobilePhone' "$BODY")" = "$B_PHONE_TOKEN" ]
expect "and reads back as the same token" $? "$(jq -r '.result.structuredContent.MobilePhone' "$BODY")"
# Tokens inside a longer string are resolved too.
call "$REDACTED" nexudus_update "{\"entity\":\"coworkers\",\"id\":$A_ID,\"fields\":{\"Notes\":\"Call $B_PHONE_TOKEN after 5pm\"}}"
call "$VISIBLE" nexudus_get "{\"entity\":\"coworkers\",\"id\":$A_ID}"
[ "$(jq -r '.result.structuredContent.Notes' "$BODY")" = "Call $B_PHONE after 5pm" ]
expect "a token inside a longer string is resolved" $? "$(jq -r '.result.structuredContent.Notes' "$BODY")"

# An error message that echoes an argument is redacted too.
call "$VISIBLE" nexudus_get "{\"entity\":\"coworkers\",\"id\":$B_ID}"
B_EMAIL=$(jq -r '.result.structuredContent.Email' "$BODY")
call "$REDACTED" nexudus_describe_entity "{\"entity\":\"$B_EMAIL\"}"
jq -e --arg m "$B_EMAIL" '.result.isError == true and (.result.content[0].text | contains($m) | not) and (.result.content[0].text | test("«PII:EMAIL:[0-9a-f]{8,}»"))' "$BODY" >/dev/null
expect "an error echoing an e-mail shows its token" $? "$(head -c 300 "$BODY")"

# ---------------------------------------------------------------- attacks
# Canaries in every field of every entity, tokens in every argument of every
# tool, laundering and guessing (tests/integration/attack.mjs).
NODE=$(nxm_node 20) || { nxm_fail "$V: no Node.js 20 or later"; nxm_summary; exit 1; }
NXM_TAP_FIRST=$((NXM_N + 1)) NODE_EXTRA_CA_CERTS=$CACERT NXM_PII_BASE=$BASE \
	NXM_PII_SIM=http://127.0.0.1:$SIM_PORT NXM_PII_CATALOG=$CATALOG NXM_PII_OUT=$OUT \
	NXM_PII_REDACTED=$REDACTED NXM_PII_VISIBLE=$VISIBLE \
	"$NODE" "$SRC/tests/integration/attack.mjs" >"$OUT/attack.tap" 2>"$OUT/attack.stderr"
nxm_absorb_tap "$OUT/attack.tap" $? "$OUT/attack.stderr" attack.mjs

nxm_summary
