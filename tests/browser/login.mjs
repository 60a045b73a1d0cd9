// The login page in a real browser: Debian's Chromium, headless, driven by
// playwright-core. curl (tests/integration/oauth.sh) proves what the server
// sends; this proves what a person sees and can do with it: the stylesheet
// passes the CSP, the disclaimer blocks the form, errors keep the e-mail, and
// a sign-in really lands on the client's redirect URI with code, state, iss.
//
// Usage: node login.mjs --base URL --ca FILE --authorize URL --redirect URI
//          --email E --password P --out DIR [--state S] [--client-name N]
// Each option can come from the environment instead (NXM_BASE, NXM_CA,
// NXM_AUTHORIZE_URL, NXM_REDIRECT_URI, NXM_EMAIL, NXM_PASSWORD, NXM_OUT,
// NXM_STATE, NXM_CLIENT_NAME). NXM_TAP_FIRST numbers the first check and
// leaves the plan line to the caller (tests/browser/run.sh). Prints TAP and
// exits non-zero if any check failed.

import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { tap } from '../lib/tap.mjs';

const CHROMIUM = process.env.NXM_CHROMIUM || '/usr/bin/chromium';
// A real screenshot of the card is tens of kilobytes; a blank or error page
// compresses to a few.
const MIN_PNG_BYTES = 10000;

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string', default: process.env.NXM_BASE },
    ca: { type: 'string', default: process.env.NXM_CA },
    authorize: { type: 'string', default: process.env.NXM_AUTHORIZE_URL },
    redirect: { type: 'string', default: process.env.NXM_REDIRECT_URI },
    email: { type: 'string', default: process.env.NXM_EMAIL },
    password: { type: 'string', default: process.env.NXM_PASSWORD },
    out: { type: 'string', default: process.env.NXM_OUT },
    state: { type: 'string', default: process.env.NXM_STATE },
    'client-name': { type: 'string', default: process.env.NXM_CLIENT_NAME },
  },
});
for (const k of ['base', 'ca', 'authorize', 'redirect', 'email', 'password', 'out']) {
  if (!opt[k]) {
    console.error(`login.mjs: --${k} (or its NXM_ variable) is required`);
    process.exit(2);
  }
}
const base = new URL(opt.base);
const redirect = new URL(opt.redirect);
const authorize = new URL(opt.authorize);
const state = opt.state ?? authorize.searchParams.get('state');

// ---------------------------------------------------------------- TAP
const { check, finish } = tap('browser');

// ---------------------------------------------------------------- certificate
// Chromium has no "trust this CA file" switch short of an NSS database, so it
// is told to accept exactly the key in the CA file (a self-signed leaf here)
// and nothing else: a certificate error from any other key still fails.
function spkiHash(caFile) {
  const cert = new X509Certificate(readFileSync(caFile));
  const der = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

// ---------------------------------------------------------------- browser
async function launch(profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // The machine's network is closed: without the background-networking
    // switches Chromium keeps trying Google's hosts, and QUIC is pointless.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spkiHash(opt.ca)}`,
    ],
    viewport: { width: 1024, height: 768 },
    locale: 'en-GB',
    timeout: 30000,
  });
}

// The client's redirect URI. Nothing listens there and nothing needs to: the
// test reads the request the browser makes to it. (page.route cannot answer
// it: Playwright never routes a request that is the target of a redirect,
// and the sign-in reaches the client through the server's 302.)
const isRedirect = (u) => {
  const url = new URL(u);
  return url.origin === redirect.origin && url.pathname === redirect.pathname;
};

async function main() {
  mkdirSync(opt.out, { recursive: true });
  // A new, empty profile each run: nothing remembered from an earlier one.
  const profile = mkdtempSync(join(opt.out, 'chromium-profile-'));
  let context;
  const requests = [];
  const consoleErrors = [];
  try {
    context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15000);
    page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), type: r.resourceType() }));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await renders(page);
    await disclaimerRequired(page);
    await wrongPassword(page);
    await signIn(page, consoleErrors);
    screenshotsSaved();
    // Console messages arrive after the events that cause them.
    await page.waitForTimeout(300);
    onlyOwnOrigin(requests, consoleErrors);
  } catch (e) {
    check('the browser run finished', false, e.stack ?? e);
  } finally {
    // Chromium must not outlive the test, whatever happened above.
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

// a. The page, styled, naming the client and where the browser goes next.
async function renders(page) {
  const resp = await page.goto(authorize.href, { waitUntil: 'load' });
  check('login page loads -> 200', resp?.status() === 200, `got ${resp?.status()}`);
  check('login page title', (await page.title()) === 'Sign in with Nexudus · nexmcp', await page.title());
  const style = await page.evaluate(() => {
    const body = getComputedStyle(document.body);
    const card = document.querySelector('main.card');
    const c = card ? getComputedStyle(card) : null;
    return {
      sheets: document.styleSheets.length,
      bodyBg: body.backgroundColor,
      bodyDisplay: body.display,
      cardBg: c?.backgroundColor,
      cardRadius: c?.borderTopLeftRadius,
      cardPadding: c?.paddingTop,
      buttonBg: getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor,
    };
  });
  // Values straight from html/static/nexmcp.css: --ground #eef1f5 on body,
  // a flex body, a white card with 12px corners and 2rem padding, --accent
  // #0b6bcb on the button. Unstyled, Chromium gives a transparent block body.
  check(
    'stylesheet applied (body background #eef1f5, flex layout)',
    style.sheets >= 1 && style.bodyBg === 'rgb(238, 241, 245)' && style.bodyDisplay === 'flex',
    JSON.stringify(style),
  );
  check(
    'stylesheet applied (main.card white, 12px corners, 32px padding; accent button)',
    style.cardBg === 'rgb(255, 255, 255)' &&
      style.cardRadius === '12px' &&
      style.cardPadding === '32px' &&
      style.buttonBg === 'rgb(11, 107, 203)',
    JSON.stringify(style),
  );
  const strong = await page.locator('main.card > p strong').allTextContents();
  const nameMarkup = await page.locator('main.card > p strong b').count();
  if (opt['client-name'] !== undefined) {
    check(
      'client name shown as text, markup not interpreted',
      strong[0] === opt['client-name'] && nameMarkup === 0,
      `shown ${JSON.stringify(strong[0])}, wanted ${JSON.stringify(opt['client-name'])}, <b> elements ${nameMarkup}`,
    );
  } else {
    check('client name shown', (strong[0] ?? '').length > 0, JSON.stringify(strong));
  }
  check('redirect host shown', strong[1] === redirect.hostname, `shown ${JSON.stringify(strong[1])}`);
  await page.screenshot({ path: join(opt.out, 'login.png'), fullPage: true });
}

// b. The disclaimer is a required checkbox: the browser refuses to submit.
async function disclaimerRequired(page) {
  const before = page.url();
  let posted = 0;
  const onReq = (r) => r.method() === 'POST' && (posted += 1);
  page.on('request', onReq);
  await page.fill('#email', opt.email);
  await page.fill('#password', opt.password);
  await page.click('button[type=submit]');
  // Give a submission, had there been one, time to leave.
  await page.waitForTimeout(750);
  page.off('request', onReq);
  const box = await page.locator('input[name=disclaimer]').evaluate((el) => ({
    invalid: el.matches(':invalid'),
    valueMissing: el.validity.valueMissing,
    checked: el.checked,
  }));
  check('unticked disclaimer is :invalid (valueMissing)', box.invalid && box.valueMissing, JSON.stringify(box));
  check(
    'submit without the disclaimer does not navigate',
    posted === 0 && page.url() === before,
    `POSTs ${posted}, URL ${page.url()}`,
  );
}

// c. A wrong password: the message, and the e-mail kept for the retry.
async function wrongPassword(page) {
  await page.fill('#email', opt.email);
  await page.fill('#password', 'not-the-password');
  await page.check('input[name=disclaimer]');
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/authorize'),
    page.click('button[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  check('wrong password -> 400', resp.status() === 400, `got ${resp.status()}`);
  const message = (await page.locator('.error').allTextContents()).join(' | ');
  check(
    'wrong password shows "The e-mail or password is not right"',
    message.includes('The e-mail or password is not right'),
    `error text ${JSON.stringify(message)}`,
  );
  const email = await page.inputValue('#email');
  check('wrong password keeps the e-mail filled in', email === opt.email, `e-mail field ${JSON.stringify(email)}`);
  const pw = await page.inputValue('#password');
  check('wrong password is not echoed back', pw === '', 'password field is filled');
  await page.screenshot({ path: join(opt.out, 'login-wrong-password.png'), fullPage: true });
}

// d. The right password on the re-shown form, as a person would retry:
// the browser follows the 302 to the client with code, state and iss.
async function signIn(page, consoleErrors) {
  await page.fill('#password', opt.password);
  await page.check('input[name=disclaimer]');
  const seen = consoleErrors.length;
  const [outcome] = await Promise.all([redirectOrFailure(page), page.click('button[type=submit]')]);
  if (!outcome.request) {
    await page.waitForTimeout(300);
    const why = [outcome.failure, ...consoleErrors.slice(seen)].join('; ');
    check('sign-in: the browser follows the redirect to the redirect URI', false, `still at ${page.url()}: ${why}`);
    return;
  }
  const r = outcome.request;
  check('sign-in: the browser follows the redirect to the redirect URI', true);
  const from = r.redirectedFrom();
  const fromStatus = from ? (await from.response())?.status() : undefined;
  check(
    'the redirect is the sign-in POST answered 302',
    from?.method() === 'POST' && new URL(from.url()).pathname === '/authorize' && fromStatus === 302,
    `redirected from ${from?.method()} ${from?.url()} -> ${fromStatus}`,
  );
  const landed = new URL(r.url());
  const p = landed.searchParams;
  const code = p.get('code') ?? '';
  check('redirect carries a code', /^[A-Za-z0-9_-]{43}$/.test(code), `code ${JSON.stringify(code)}`);
  check('redirect carries the state', p.get('state') === state, `state ${p.get('state')}, wanted ${state}`);
  check('redirect carries iss', p.get('iss') === base.origin, `iss ${p.get('iss')}, wanted ${base.origin}`);
  check('redirect carries no error', !p.has('error'), `error=${p.get('error')}`);
  // run.sh exchanges this code, so the browser's code is proved to be real.
  writeFileSync(join(opt.out, 'callback.url'), `${landed.href}\n`);
}

// Resolves with the browser's request to the redirect URI, or with why the
// sign-in POST died first (a CSP refusal aborts it), or on a timeout.
function redirectOrFailure(page) {
  return new Promise((resolve) => {
    const done = (v) => {
      clearTimeout(timer);
      page.off('request', onRequest);
      page.off('requestfailed', onFailed);
      resolve(v);
    };
    const onRequest = (r) => isRedirect(r.url()) && done({ request: r });
    const onFailed = (r) =>
      r.method() === 'POST' && done({ failure: `POST ${r.url()} failed: ${r.failure()?.errorText}` });
    const timer = setTimeout(() => done({ failure: 'no request to the redirect URI within 15 s' }), 15000);
    page.on('request', onRequest);
    page.on('requestfailed', onFailed);
  });
}

// e. Screenshots on disk and not blank.
function screenshotsSaved() {
  for (const f of ['login.png', 'login-wrong-password.png']) {
    const path = join(opt.out, f);
    const size = existsSync(path) ? statSync(path).size : 0;
    const png = size > 8 && readFileSync(path).subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    check(`screenshot ${f} saved`, png && size >= MIN_PNG_BYTES, `${size} bytes, PNG signature ${png}`);
  }
}

// f. Nothing but the server itself: no fonts, scripts or beacons elsewhere.
// The one expected exception is the redirect to the client at the end.
function onlyOwnOrigin(requests, consoleErrors) {
  const foreign = requests.filter((r) => new URL(r.url).origin !== base.origin && !isRedirect(r.url));
  check(
    `page requests only ${base.origin} (${requests.length} requests)`,
    requests.length > 0 && foreign.length === 0,
    foreign.map((r) => `${r.method} ${r.type} ${r.url}`).join(', '),
  );
  const csp = consoleErrors.filter((t) => /Content Security Policy/i.test(t));
  check('no Content-Security-Policy violations in the console', csp.length === 0, csp.join(' | '));
}

await main();
finish();
