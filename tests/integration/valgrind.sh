#!/usr/bin/env bash
# Memory check of the programs as FastCGI servers: each program serves N
# requests in one process under valgrind (spawn-fcgi gives it the socket,
# cgi-fcgi plays the web server). It must lose nothing ("definitely lost: 0",
# no errors), and the memory still in use at exit must be the same after 10
# requests and after 1,000: no growth per request.
# Then the mcp program once more under valgrind, behind lighttpd, through a
# real sign-in and redacted tool calls against the simulator: tokens issued
# for a page of members, recorded after each answer is sent, seen again and
# passed back.
# Usage: valgrind.sh BUILDDIR SRCDIR [REQUESTS]
# Environment: NXM_VG_PORT (HTTPS, 29943), NXM_VG_SIM_PORT (29905).
set -u
BUILD=${1:?builddir}
SRC=${2:?srcdir}
REQUESTS=${3:-1000}
NXM_SRC=$SRC
. "$SRC/scripts/lib.sh"
. "$SRC/tests/integration/checks.sh"

OUT=$BUILD/tests/out/valgrind
nxm_out_dir "$OUT"
STATE=$OUT/state
nxm_layout "$BUILD" "$STATE"
nxm_config "$STATE" 28443 "http://127.0.0.1:9"
nxm_init "$STATE"
export NEXMCP_CONFIG=$STATE/etc/nexmcp.conf

# One request of each kind the program answers, cycled.
send() { # send PROGRAM SOCKET I
	local prog=$1 sock=$2 i=$3
	case $prog:$((i % 4)) in
	token:0) env -i REQUEST_METHOD=GET REQUEST_URI=/.well-known/oauth-authorization-server \
		cgi-fcgi -bind -connect "$sock" ;;
	token:1) env -i REQUEST_METHOD=GET REQUEST_URI=/.well-known/oauth-protected-resource/mcp \
		HTTP_ORIGIN=https://claude.ai cgi-fcgi -bind -connect "$sock" ;;
	token:2) printf 'grant_type=authorization_code&code=x' | env -i REQUEST_METHOD=POST \
		REQUEST_URI=/token CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=36 \
		cgi-fcgi -bind -connect "$sock" ;;
	token:3) env -i REQUEST_METHOD=DELETE REQUEST_URI=/register cgi-fcgi -bind -connect "$sock" ;;
	login:0 | login:2) env -i REQUEST_METHOD=GET REQUEST_URI='/authorize?client_id=abc&state=%3Cx%3E' \
		QUERY_STRING='client_id=abc&state=%3Cx%3E' cgi-fcgi -bind -connect "$sock" ;;
	login:1) env -i REQUEST_METHOD=GET REQUEST_URI='/authorize?a=%zz' QUERY_STRING='a=%zz' \
		cgi-fcgi -bind -connect "$sock" ;;
	login:3) printf 'email=a%%40b.c&password=secret' | env -i REQUEST_METHOD=POST \
		REQUEST_URI=/authorize CONTENT_LENGTH=29 cgi-fcgi -bind -connect "$sock" ;;
	mcp:0) printf '{"jsonrpc":"2.0","id":1,"method":"ping"}' | env -i REQUEST_METHOD=POST \
		REQUEST_URI=/mcp CONTENT_TYPE=application/json CONTENT_LENGTH=40 \
		cgi-fcgi -bind -connect "$sock" ;;
	mcp:1) env -i REQUEST_METHOD=POST REQUEST_URI=/mcp HTTP_AUTHORIZATION='Bearer nxm1.abc.def' \
		cgi-fcgi -bind -connect "$sock" ;;
	mcp:2) env -i REQUEST_METHOD=OPTIONS REQUEST_URI=/mcp HTTP_ORIGIN=http://localhost:6274 \
		cgi-fcgi -bind -connect "$sock" ;;
	mcp:3) env -i REQUEST_METHOD=POST REQUEST_URI=/mcp HTTP_ORIGIN=https://evil.example \
		cgi-fcgi -bind -connect "$sock" ;;
	esac
}

# run PROGRAM COUNT: prints the valgrind log path.
run() {
	local prog=$1 count=$2 sock=$OUT/$1-$2.sock log=$OUT/$1-$2.valgrind pid i
	rm -f "$sock"
	spawn-fcgi -n -s "$sock" -- "$(command -v valgrind)" --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite --error-exitcode=99 --log-file="$log" \
		"$STATE/www/cgi-bin/$prog.fcgi" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
	for i in $(seq 1 "$count"); do
		send "$prog" "$sock" "$i" >"$OUT/last-$prog.out" 2>/dev/null
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "$log"
}

in_use() { sed -n 's/.*in use at exit: \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d ,; }

for prog in token login mcp; do
	small=$(run "$prog" 10)
	big=$(run "$prog" "$REQUESTS")
	grep -q 'Status: ' "$OUT/last-$prog.out"
	expect_rc=$?
	V=valgrind
	expect "$prog answered the last of $REQUESTS requests" $expect_rc "$(head -c 200 "$OUT/last-$prog.out")"
	grep -Eq 'definitely lost: 0 bytes|All heap blocks were freed' "$big"
	expect "$prog: definitely lost 0 bytes after $REQUESTS requests" $? "$(grep -E 'lost:' "$big" | head -3)"
	grep -q 'ERROR SUMMARY: 0 errors' "$big"
	expect "$prog: no memory errors after $REQUESTS requests" $? "$(grep 'ERROR SUMMARY' "$big")"
	a=$(in_use "$small")
	b=$(in_use "$big")
	[ -n "$a" ] && [ "$a" = "$b" ]
	expect "$prog: in use at exit the same after 10 and $REQUESTS requests ($a bytes)" $? "10: $a, $REQUESTS: $b"
done

# ---------------------------------------------------------------- behind lighttpd
STATE=$OUT/served
PORT=${NXM_VG_PORT:-29943}
SIM_PORT=${NXM_VG_SIM_PORT:-29905}
VG=$OUT/served-valgrind
mkdir -p "$VG"
chmod 777 "$VG" # the programs' user writes its logs here
trap 'nxm_server_stop; nxm_sim_stop' EXIT
nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT"
NXM_MCP_WRAPPER="$(command -v valgrind) --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite --log-file=$VG/mcp-%p.log" \
	nxm_server_start "$STATE" "$PORT" lighttpd
V=valgrind/served
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
REDIRECT=http://127.0.0.1:33419/callback
nxm_wait_https "$PORT"
expect "lighttpd starts the mcp program under valgrind" $? "no answer on $PORT"
read -r ADMIN PW <<<"$("$STATE/nexudus-sim" --demo-admin)"
# shellcheck source=tests/integration/flow.sh
. "$SRC/tests/integration/flow.sh"
register "{\"redirect_uris\":[\"$REDIRECT\"],\"token_endpoint_auth_method\":\"none\"}"
authorize
sign_in "$ADMIN" "$PW" --data disclaimer=on
exchange
call() { mcp_call "$TOKEN" "$1" "$2" --max-time 120; } # valgrind is slow
call nexudus_list '{"entity":"coworkers","size":100}'
check_jq "a redacted page of 100 members" '.result.isError == false and (.result.structuredContent.Records | length) == 100 and (.result.structuredContent.Records[0].FullName | startswith("«PII:NAME:"))'
NAME_TOKEN=$(jq -r '.result.structuredContent.Records[0].FullName' "$BODY")
call nexudus_list '{"entity":"coworkers","size":100}'
check_jq "the same page again, the same tokens" ".result.structuredContent.Records[0].FullName == \"$NAME_TOKEN\""
call nexudus_list "{\"entity\":\"coworkers\",\"filters\":{\"FullName\":\"$NAME_TOKEN\"}}"
check_jq "its name token passed back finds the member" ".result.isError == false and (.result.structuredContent.Records | length) >= 1 and .result.structuredContent.Records[0].FullName == \"$NAME_TOKEN\""
call nexudus_list '{"entity":"coworkers","filters":{"FullName":"«PII:NAME:0badc0de»"}}'
check_jq "a made-up token is refused" '.result.isError == true and (.result.content[0].text | test("Unknown personal-data token"))'
nxm_server_stop
# lighttpd stops the programs; valgrind writes its summary as each exits.
for i in $(seq 1 300); do
	n=$(find "$VG" -name 'mcp-*.log' | wc -l)
	done_n=$(grep -l 'ERROR SUMMARY' "$VG"/mcp-*.log 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] && [ "$n" = "$done_n" ] && break
	sleep 0.1
done
[ "$n" -gt 0 ] && [ "$n" = "$done_n" ]
expect "every mcp process under valgrind exited with a summary ($done_n of $n)" $? "$(ls "$VG")"
bad=$(grep -L 'ERROR SUMMARY: 0 errors' "$VG"/mcp-*.log 2>/dev/null)
[ -z "$bad" ]
expect "mcp behind lighttpd: no memory errors" $? "$(grep -h 'ERROR SUMMARY' $bad | head -3)"
bad=$(grep -LE 'definitely lost: 0 bytes|All heap blocks were freed' "$VG"/mcp-*.log 2>/dev/null)
[ -z "$bad" ]
expect "mcp behind lighttpd: definitely lost 0 bytes" $? "$(grep -h 'lost:' $bad | head -3)"
nxm_sim_stop
nxm_summary
