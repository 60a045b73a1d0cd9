#!/usr/bin/env bash
# Runs every test of nexmcp, installing what it needs (as root, from Debian's
# packages): the unit tests and fuzz-corpus replays (make check), the
# integration suites behind real lighttpd and Apache over TLS, the valgrind
# run of each program over 1,000 FastCGI requests, the whole unit suite under
# AddressSanitizer and UndefinedBehaviorSanitizer, a short libFuzzer run of
# every fuzz target, and make distcheck. Ends with "N passed, N failed".
#
# Environment: NXM_TEST_QUICK=1 skips the sanitizer, fuzzing and distcheck
# stages (for a fast local loop; CI runs everything).
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nxm_apt $NXM_BUILD_PKGS $NXM_LIGHTTPD_PKGS $NXM_APACHE_PKGS jq valgrind libfcgi-bin sqlite3 \
	clang libclang-rt-14-dev xz-utils chromium

B=$NXM_SRC/_build
mkdir -p "$B"
nxm_reachable "$B" || nxm_die "the programs' user cannot reach $B"
PASSED=0
FAILED=0
STAGES_FAILED=()

# Adds a stage's counts; a stage that could not run counts as one failure.
tally() { # tally STAGE PASSED FAILED
	PASSED=$((PASSED + $2))
	FAILED=$((FAILED + $3))
	[ "$3" -eq 0 ] || STAGES_FAILED+=("$1")
	echo "== $1: $2 passed, $3 failed"
}

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)" per
# program; the fuzz replays count one each (automake's PASS/FAIL).
count_make_check() { # count_make_check BUILDDIR STAGE RC
	local dir=$1 stage=$2 rc=$3 p=0 f=0 n log
	for log in "$dir"/tests/unit/*.log; do
		[ -f "$log" ] || continue
		n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		p=$((p + ${n:-0}))
		n=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$((f + ${n:-0}))
	done
	for log in "$dir"/tests/fuzz/*.trs; do
		[ -f "$log" ] || continue
		if grep -q ':test-result: PASS' "$log"; then p=$((p + 1)); else f=$((f + 1)); fi
	done
	# A harness failure with no failed case (a crash, a missing program).
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	tally "$stage" "$p" "$f"
}

# Counts "ok"/"not ok" lines of a TAP-style suite.
count_tap() { # count_tap STAGE RC OUTPUT
	local p f
	p=$(grep -c '^ok ' "$3" || true)
	f=$(grep -c '^not ok ' "$3" || true)
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	tally "$1" "$p" "$f"
}

run_logged() { # run_logged LOGFILE cmd...: shows the output and keeps it
	local log=$1
	shift
	"$@" 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

mkdir -p "$B"

echo "== build (-Werror)"
nxm_build "$B/test" --enable-werror
make -C "$B/test" -j"$(nproc)" check >"$B/check.log" 2>&1
rc=$?
grep -E '^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP):' "$B/check.log"
[ $rc -eq 0 ] || cat "$B/test/test-suite.log"
count_make_check "$B/test" "unit tests and fuzz corpora" $rc

echo "== Nexudus simulator over HTTP"
run_logged "$B/sim.log" bash "$NXM_SRC/tests/sim/run.sh" "$B/test" "$NXM_SRC"
count_tap "simulator" $? "$B/sim.log"

echo "== integration: lighttpd, Apache mod_fcgid, mod_proxy_fcgi, mod_cgid over TLS"
run_logged "$B/integration.log" bash "$NXM_SRC/tests/integration/run.sh" "$B/test" "$NXM_SRC"
count_tap "integration" $? "$B/integration.log"

echo "== OAuth server end to end (lighttpd, Apache mod_fcgid and plain CGI, simulator upstream)"
: >"$B/oauth.log"
for server in lighttpd apache apache-cgi; do
	bash "$NXM_SRC/tests/integration/oauth.sh" "$B/test" "$NXM_SRC" "$server" 2>&1 | tee -a "$B/oauth.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || echo "not ok - oauth suite under $server exited with an error" >>"$B/oauth.log"
done
count_tap "oauth" 0 "$B/oauth.log"

echo "== personal-data redaction: leak test, tokens passed back (lighttpd, simulator upstream)"
run_logged "$B/pii.log" bash "$NXM_SRC/tests/integration/pii.sh" "$B/test" "$NXM_SRC"
count_tap "pii" $? "$B/pii.log"

echo "== MCP conformance suite: authorization-server scenarios"
run_logged "$B/conformance.log" bash "$NXM_SRC/tests/conformance/run-auth.sh" "$B/test" "$NXM_SRC"
count_tap "conformance" $? "$B/conformance.log"

echo "== MCP conformance suite: server scenarios (through a token-adding proxy)"
run_logged "$B/conformance-server.log" bash "$NXM_SRC/tests/conformance/run-server.sh" "$B/test" "$NXM_SRC"
count_tap "conformance-server" $? "$B/conformance-server.log"

echo "== the official MCP TypeScript SDK client through the OAuth flow"
run_logged "$B/sdk.log" bash "$NXM_SRC/tests/sdk/run.sh" "$B/test" "$NXM_SRC"
count_tap "sdk" $? "$B/sdk.log"

echo "== login page in headless Chromium"
run_logged "$B/browser.log" bash "$NXM_SRC/tests/browser/run.sh" "$B/test" "$NXM_SRC"
count_tap "browser" $? "$B/browser.log"

echo "== valgrind: 1,000 FastCGI requests per program"
run_logged "$B/valgrind.log" bash "$NXM_SRC/tests/integration/valgrind.sh" "$B/test" "$NXM_SRC" 1000
count_tap "valgrind" $? "$B/valgrind.log"

if [ "${NXM_TEST_QUICK:-0}" != 1 ]; then
	echo "== sanitizers: unit tests and integration under ASan + UBSan"
	nxm_build "$B/asan" --enable-werror --enable-sanitizers
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C "$B/asan" -j"$(nproc)" check >"$B/asan-check.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cat "$B/asan/test-suite.log"
	count_make_check "$B/asan" "sanitizers: unit tests" $rc
	# The programs built with sanitizers, behind a real server.
	NXM_TEST_VARIANTS="lighttpd apache-cgi" NXM_TEST_PORT=28543 \
		run_logged "$B/asan-integration.log" bash "$NXM_SRC/tests/integration/run.sh" "$B/asan" "$NXM_SRC"
	rc=$?
	if grep -rlE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$B/asan/tests/out/integration"/*/log >/dev/null 2>&1; then
		echo "not ok - sanitizer report in the server logs:" >>"$B/asan-integration.log"
		grep -rhE -A5 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$B/asan/tests/out/integration"/*/log | head -40
	fi
	count_tap "sanitizers: integration" $rc "$B/asan-integration.log"
	NXM_SIM_TEST_PORT=28950 run_logged "$B/asan-sim.log" bash "$NXM_SRC/tests/sim/run.sh" "$B/asan" "$NXM_SRC"
	rc=$?
	if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$B/asan/tests/out/sim/sim.log"; then
		echo "not ok - sanitizer report from the simulator" >>"$B/asan-sim.log"
		grep -E -A5 'ERROR: AddressSanitizer|runtime error:' "$B/asan/tests/out/sim/sim.log" | head -40
	fi
	count_tap "sanitizers: simulator" $rc "$B/asan-sim.log"

	echo "== fuzzing: each libFuzzer target for ${NXM_FUZZ_SECONDS:-15} s"
	CC=clang nxm_build "$B/fuzz" --enable-fuzzing --enable-werror
	: >"$B/fuzz.log"
	for t in form header url config b64url request simhttp mcp pii egress; do
		work=$B/fuzz/corpus-$t
		rm -rf "$work"
		mkdir -p "$work"
		cp "$NXM_SRC/tests/fuzz/corpus/$t/"* "$work/"
		# A fixed seed keeps CI reproducible; NXM_FUZZ_SEED=0 picks a random one.
		if "$B/fuzz/tests/fuzz/fuzz_$t" -max_total_time="${NXM_FUZZ_SECONDS:-15}" -max_len=4096 \
			-seed="${NXM_FUZZ_SEED:-1}" \
			-artifact_prefix="$B/fuzz/crash-$t-" "$work" >"$B/fuzz/$t.log" 2>&1; then
			echo "ok - fuzz_$t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$B/fuzz/$t.log" | tail -n 1)s" | tee -a "$B/fuzz.log"
		else
			echo "not ok - fuzz_$t crashed; input kept in $B/fuzz/crash-$t-*" | tee -a "$B/fuzz.log"
			tail -n 30 "$B/fuzz/$t.log"
		fi
	done
	count_tap "fuzzing" 0 "$B/fuzz.log"

	echo "== make distcheck"
	make -C "$B/test" distcheck >"$B/distcheck.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then tally "distcheck" 1 0; else tail -n 40 "$B/distcheck.log"; tally "distcheck" 0 1; fi
fi

echo
if [ ${#STAGES_FAILED[@]} -gt 0 ]; then
	echo "failed stages: ${STAGES_FAILED[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
