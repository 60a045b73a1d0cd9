// TAP output for the Node test programs (tests/browser/login.mjs,
// tests/sdk/flow.mjs). Each program is run by a stage script that prints its
// own checks first: NXM_TAP_FIRST numbers the program's first check after
// those and leaves the plan line to the script (nxm_absorb_tap counts the
// lines). Run on its own, the program prints the plan at the end.

// One line for a TAP description: no newlines, no terminal colour codes
// (Playwright puts them in its call logs), bounded length.
export const oneLine = (s, max = 500) =>
  String(s)
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/\s+/g, ' ')
    .slice(0, max);

// tap(SUITE): check(desc, ok, detail) prints "ok N - SUITE: desc" or
// "not ok N - SUITE: desc (detail)" and returns ok; note(s) prints a comment;
// finish() prints the plan when run on its own and exits 0 only if no check
// failed.
export function tap(suite) {
  const embedded = process.env.NXM_TAP_FIRST !== undefined;
  let n = embedded ? Number(process.env.NXM_TAP_FIRST) - 1 : 0;
  let failed = 0;
  const check = (desc, ok, detail = '') => {
    n += 1;
    if (ok) {
      console.log(`ok ${n} - ${suite}: ${desc}`);
    } else {
      failed += 1;
      console.log(`not ok ${n} - ${suite}: ${desc}${detail ? ` (${oneLine(detail)})` : ''}`);
    }
    return Boolean(ok);
  };
  const note = (s) => console.log(`# ${oneLine(s)}`);
  const finish = () => {
    if (!embedded) console.log(`1..${n}`);
    process.exit(failed === 0 ? 0 : 1);
  };
  return { check, note, finish };
}
