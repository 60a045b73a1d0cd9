// The official MCP TypeScript SDK client (@modelcontextprotocol/sdk) through
// nexmcp's whole OAuth flow, as an MCP client application runs it: the SDK's
// Client and StreamableHTTPClientTransport meet the 401 on /mcp, discover the
// protected resource and the authorization server, get a client_id (dynamic
// registration, or a Client ID Metadata Document URL), build the
// authorization URL with PKCE, state and resource, exchange the code, and
// then initialize, ping and list tools with the token.
//
// The user's part is played by the test's OAuthClientProvider: its
// redirectToAuthorization() signs in on the login page as a browser would
// (every hidden input as served, e-mail, password, the disclaimer ticked),
// reads the 302 to the loopback redirect URI (where nothing listens) and
// keeps the code for transport.finishAuth().
//
// Usage: node flow.mjs [--mode dcr,cimd] with the environment:
//   NXM_BASE          https://127.0.0.1:PORT (the issuer; /mcp is under it)
//   NXM_EMAIL, NXM_PASSWORD   the simulator's demo administrator
//   NXM_REDIRECT_URI  the loopback redirect URI (registered, and in the document)
//   NXM_CIMD_URL      the Client ID Metadata Document's URL (cimd mode)
//   NXM_TAP_FIRST     number of the first check; the caller prints the plan
// The CA is trusted through NODE_EXTRA_CA_CERTS. Prints TAP; exits non-zero
// if a check failed.

import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const SCOPE = 'nexudus:read nexudus:write';
const TIMEOUT_MS = 120000;

const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string', default: process.env.NXM_SDK_MODES || 'dcr,cimd' },
    base: { type: 'string', default: process.env.NXM_BASE },
    email: { type: 'string', default: process.env.NXM_EMAIL },
    password: { type: 'string', default: process.env.NXM_PASSWORD },
    redirect: { type: 'string', default: process.env.NXM_REDIRECT_URI },
    'cimd-url': { type: 'string', default: process.env.NXM_CIMD_URL },
  },
});
for (const k of ['base', 'email', 'password', 'redirect']) {
  if (!opt[k]) {
    console.error(`flow.mjs: --${k} (or its NXM_ variable) is required`);
    process.exit(2);
  }
}
const BASE = opt.base.replace(/\/$/, '');
const MCP_URL = `${BASE}/mcp`;
const PRM_URL = `${BASE}/.well-known/oauth-protected-resource/mcp`;

// ---------------------------------------------------------------- TAP
const embedded = process.env.NXM_TAP_FIRST !== undefined;
let n = embedded ? Number(process.env.NXM_TAP_FIRST) - 1 : 0;
let failed = 0;
function check(desc, ok, detail = '') {
  n += 1;
  if (ok) {
    console.log(`ok ${n} - sdk: ${desc}`);
  } else {
    failed += 1;
    console.log(`not ok ${n} - sdk: ${desc}${detail ? ` (${oneLine(detail)})` : ''}`);
  }
  return ok;
}
const note = (s) => console.log(`# ${oneLine(s)}`);
const oneLine = (s) => String(s).replace(/\s+/g, ' ').slice(0, 500);
const errText = (e) => (e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e));
const redactCode = (u) => String(u).replace(/([?&]code=)[^&]*/, '$1(redacted)');

// Nothing in this test may hang the suite.
setTimeout(() => {
  check(`the flow finished within ${TIMEOUT_MS / 1000} s`, false, 'timed out');
  process.exit(1);
}, TIMEOUT_MS).unref();

// ---------------------------------------------------------------- HTTP log
// The transport's fetch (used for /mcp and, by the SDK's auth(), for
// discovery, registration and the token request) records every exchange, so
// the checks can say what the SDK sent and what came back.
function loggingFetch(log) {
  return async (url, init = {}) => {
    const entry = { method: (init.method || 'GET').toUpperCase(), url: String(url), body: init.body };
    log.push(entry);
    try {
      const res = await fetch(url, init);
      entry.status = res.status;
      entry.www = res.headers.get('www-authenticate');
      return res;
    } catch (e) {
      entry.status = `fetch failed: ${e.cause?.message || e.message}`;
      throw e;
    }
  };
}
const show = (log) => log.map((e) => `${e.method} ${e.url.replace(BASE, '')} -> ${e.status}`).join(', ');
const sent = (e) => new URLSearchParams(e?.body instanceof URLSearchParams ? e.body : String(e?.body ?? ''));

// ---------------------------------------------------------------- the login page
const decode = (s) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function attributes(tag) {
  const out = {};
  const body = tag.replace(/^<[a-z]+/i, '').replace(/\/?>$/, '');
  for (const m of body.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

// Signs in as a browser submits the form: hidden inputs as served, the
// e-mail and password, the required disclaimer ticked, optional boxes left
// unticked. Returns the redirect's URL (or throws with what the page said).
async function signIn(authorizationUrl, email, password) {
  const page = await fetch(authorizationUrl, { redirect: 'manual', headers: { Accept: 'text/html' } });
  const html = await page.text();
  if (page.status !== 200) {
    throw new Error(`GET the authorization URL answered ${page.status} ${page.headers.get('location') ?? ''} ${html.replace(/<[^>]*>/g, ' ').slice(0, 300)}`);
  }
  const form = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/i)?.[0];
  if (!form) throw new Error(`no form on the login page: ${html.slice(0, 200)}`);
  const formTag = attributes(form.match(/<form\b[^>]*>/i)[0]);
  if ((formTag.method || 'get').toUpperCase() !== 'POST') throw new Error(`form method ${formTag.method}`);
  const action = new URL(formTag.action || authorizationUrl, authorizationUrl);
  const fields = new URLSearchParams();
  for (const [tag] of form.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(tag);
    const type = (a.type || 'text').toLowerCase();
    if (!a.name) continue;
    if (type === 'hidden') fields.append(a.name, a.value ?? '');
    else if (type === 'email' || a.name === 'email') fields.append(a.name, email);
    else if (type === 'password') fields.append(a.name, password);
    else if (type === 'checkbox' && a.name === 'disclaimer') fields.append(a.name, a.value || 'on');
  }
  const answer = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: action.origin, Accept: 'text/html' },
    body: fields,
  });
  const text = await answer.text();
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) {
    const error = text.match(/class="error"[^>]*>([^<]*)</)?.[1];
    throw new Error(`POST ${action.pathname} with ${[...fields.keys()].join(' ')} answered ${answer.status}${error ? `: ${decode(error)}` : ''}`);
  }
  return { fields, redirect: new URL(location, action) };
}

// ---------------------------------------------------------------- the provider
// In-memory storage of what the SDK hands over, as an application keeps it
// for one MCP server.
class TestProvider {
  constructor({ redirectUrl, clientMetadataUrl, clientName }) {
    this._redirectUrl = redirectUrl;
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
    this._clientName = clientName;
    this._client = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this.states = [];
    this.authorizationUrls = [];
    this.code = undefined;
    this.signInError = undefined;
    this.redirect = undefined;
    this.invalidated = [];
  }

  get redirectUrl() {
    return this._redirectUrl;
  }

  get clientMetadata() {
    return {
      client_name: this._clientName,
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state() {
    const s = randomBytes(16).toString('base64url');
    this.states.push(s);
    return s;
  }

  clientInformation() {
    return this._client;
  }

  saveClientInformation(info) {
    this._client = info;
  }

  tokens() {
    return this._tokens;
  }

  saveTokens(tokens) {
    this._tokens = tokens;
  }

  saveCodeVerifier(v) {
    this._verifier = v;
  }

  codeVerifier() {
    if (!this._verifier) throw new Error('no code verifier saved');
    return this._verifier;
  }

  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'client') this._client = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._verifier = undefined;
  }

  // The user's part: sign in, land on the redirect URI, keep the code.
  async redirectToAuthorization(url) {
    this.authorizationUrls.push(new URL(url));
    try {
      const { redirect } = await signIn(url, opt.email, opt.password);
      this.redirect = redirect;
      this.code = redirect.searchParams.get('code') ?? undefined;
    } catch (e) {
      this.signInError = e;
    }
  }
}

// ---------------------------------------------------------------- one flow
async function flow(mode) {
  const cimd = mode === 'cimd';
  const label = (s) => `[${mode}] ${s}`;
  const log = [];
  const myFetch = loggingFetch(log);
  const provider = new TestProvider({
    redirectUrl: opt.redirect,
    clientMetadataUrl: cimd ? opt['cimd-url'] : undefined,
    clientName: `nexmcp SDK test (${mode})`,
  });
  const client = new Client({ name: `nexmcp-sdk-test-${mode}`, version: '1.0.0' });

  // a. No token: the SDK meets the 401, discovers, gets a client_id and
  // "redirects" the user, then gives up with UnauthorizedError.
  let first = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider, fetch: myFetch });
  let error;
  try {
    await client.connect(first);
  } catch (e) {
    error = e;
  }
  check(label('connect without a token ends in UnauthorizedError'), error instanceof UnauthorizedError,
    error ? errText(error) : 'connect succeeded');
  const challenge = log.find((e) => e.method === 'POST' && e.url === MCP_URL);
  check(label('/mcp answered 401 with the resource_metadata challenge'),
    challenge?.status === 401 && challenge.www?.includes(`resource_metadata="${PRM_URL}"`) && challenge.www.includes(`scope="${SCOPE}"`),
    `${challenge?.status} ${challenge?.www}`);
  check(label('the SDK read the protected resource metadata the challenge named'),
    log.some((e) => e.url === PRM_URL && e.status === 200), show(log));
  check(label('the SDK read the authorization server metadata'),
    log.some((e) => e.url === `${BASE}/.well-known/oauth-authorization-server` && e.status === 200), show(log));
  const reg = log.filter((e) => e.url === `${BASE}/register`);
  const info = provider.clientInformation();
  if (cimd) {
    check(label('no dynamic registration: the document URL is the client_id'),
      reg.length === 0 && info?.client_id === opt['cimd-url'], `${show(reg)} client_id ${info?.client_id}`);
  } else {
    check(label('the SDK registered itself at /register (201, public client)'),
      reg.length === 1 && reg[0].method === 'POST' && reg[0].status === 201 &&
        typeof info?.client_id === 'string' && info.client_id.length > 0 &&
        info.token_endpoint_auth_method === 'none' && info.client_secret === undefined,
      `${show(reg)} ${JSON.stringify(info)}`);
  }

  // b. The authorization request the SDK built.
  const az = provider.authorizationUrls[0];
  const q = az?.searchParams;
  check(label('authorization URL: code, S256 PKCE, state, scope, resource, redirect_uri'),
    provider.authorizationUrls.length === 1 && az.origin + az.pathname === `${BASE}/authorize` &&
      q.get('response_type') === 'code' && q.get('code_challenge_method') === 'S256' &&
      /^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '') && q.get('state') === provider.states.at(-1) &&
      q.get('scope') === SCOPE && q.get('resource') === MCP_URL && q.get('redirect_uri') === opt.redirect &&
      q.get('client_id') === info?.client_id,
    az ? redactCode(az) : 'redirectToAuthorization was not called');

  // c. The sign-in and the redirect back.
  const r = provider.redirect;
  check(label('sign-in on the login page redirects to the redirect URI'),
    !provider.signInError && r && `${r.origin}${r.pathname}` === opt.redirect,
    provider.signInError ? errText(provider.signInError) : r && redactCode(r));
  check(label('the redirect carries iss (the issuer) and the state sent'),
    r?.searchParams.get('iss') === BASE && r.searchParams.get('state') === provider.states.at(-1) &&
      !r.searchParams.has('error'),
    r && `iss=${r.searchParams.get('iss')} state=${r.searchParams.get('state')} want ${provider.states.at(-1)} error=${r.searchParams.get('error')}`);
  check(label('the redirect carries a code'), /^[A-Za-z0-9_-]{43}$/.test(provider.code ?? ''), r && redactCode(r));
  if (!provider.code) return;

  // d. finishAuth: the SDK exchanges the code.
  const before = log.length;
  try {
    await first.finishAuth(provider.code);
    error = undefined;
  } catch (e) {
    error = e;
  }
  const tokenCalls = log.slice(before).filter((e) => e.url === `${BASE}/token`);
  check(label('transport.finishAuth(code) exchanges the code at /token'),
    !error && tokenCalls.length === 1 && tokenCalls[0].status === 200,
    `${error ? errText(error) : ''} ${show(log.slice(before))}`);
  const body = sent(tokenCalls[0]);
  check(label('token request: authorization_code with code_verifier, redirect_uri, resource, client_id'),
    body.get('grant_type') === 'authorization_code' && body.get('code') === provider.code &&
      (body.get('code_verifier') ?? '').length >= 43 && body.get('redirect_uri') === opt.redirect &&
      body.get('resource') === MCP_URL && body.get('client_id') === info?.client_id && !body.has('client_secret'),
    [...body.keys()].map((k) => (k === 'code' || k === 'code_verifier' ? k : `${k}=${body.get(k)}`)).join(' '));
  const tokens = provider.tokens();
  check(label(`token saved: Bearer nxm1 access token, scope "${SCOPE}", 8 hours`),
    tokens && /^bearer$/i.test(tokens.token_type) && tokens.access_token?.startsWith('nxm1.') &&
      tokens.scope === SCOPE && tokens.expires_in > 28700 && tokens.expires_in <= 28800,
    tokens ? JSON.stringify({ ...tokens, access_token: `${tokens.access_token?.slice(0, 8)}...` }) : 'no tokens');
  await first.close().catch(() => {});
  if (!tokens?.access_token) return;

  // e. Connect again with a new transport: the SDK sends the token.
  const second = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider, fetch: myFetch });
  const mark = log.length;
  try {
    await client.connect(second);
    error = undefined;
  } catch (e) {
    error = e;
  }
  check(label('connect with the token initializes'),
    !error && client.getServerVersion()?.name === 'nexmcp' && second.sessionId,
    `${error ? errText(error) : ''} ${show(log.slice(mark))}`);
  if (error) return;
  check(label(`negotiated protocol revision ${second.protocolVersion}`), second.protocolVersion === '2025-11-25',
    second.protocolVersion);
  check(label('no second authorization was needed'), provider.authorizationUrls.length === 1 &&
    !log.slice(mark).some((e) => e.status === 401), show(log.slice(mark)));
  try {
    const pong = await client.ping();
    check(label('client.ping()'), pong && typeof pong === 'object', JSON.stringify(pong));
  } catch (e) {
    check(label('client.ping()'), false, errText(e));
  }
  try {
    const tools = await client.listTools();
    check(label(`client.listTools() (${tools.tools.length} tools)`),
      Array.isArray(tools.tools) && tools.tools.some((t) => t.name === 'nexudus_list'),
      JSON.stringify(tools).slice(0, 300));
    const who = await client.callTool({ name: 'nexudus_whoami', arguments: {} });
    check(label('client.callTool(nexudus_whoami) reaches Nexudus (the simulator)'),
      who.isError === false && who.structuredContent && Array.isArray(who.structuredContent.locations) &&
        who.structuredContent.locations.length === 3,
      JSON.stringify(who).slice(0, 300));
  } catch (e) {
    check(label('client.listTools()'), false, errText(e));
  }
  if (client.getServerCapabilities()?.logging) {
    try {
      await client.setLoggingLevel('info');
      check(label('client.setLoggingLevel("info")'), true);
    } catch (e) {
      check(label('client.setLoggingLevel("info")'), false, errText(e));
    }
  }

  // f. The token on its own: a plain request to /mcp is accepted, a forged
  // one is not.
  const raw = async (token) =>
    fetch(MCP_URL, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
  let res = await raw(tokens.access_token);
  const json = await res.json().catch(() => null);
  check(label('a request with the token to /mcp is accepted'), res.status === 200 && json?.result?.serverInfo?.name === 'nexmcp',
    `${res.status} ${JSON.stringify(json)}`);
  res = await raw(`${tokens.access_token}x`);
  await res.body?.cancel();
  check(label('the token altered is refused (401)'), res.status === 401, String(res.status));

  // g. The SDK ends its MCP session.
  try {
    await second.terminateSession();
    const del = log.filter((e) => e.method === 'DELETE').at(-1);
    check(label('terminateSession() ends the MCP session (DELETE 204)'), del?.status === 204 && second.sessionId === undefined,
      show(log.filter((e) => e.method === 'DELETE')));
  } catch (e) {
    check(label('terminateSession()'), false, errText(e));
  }
  await client.close().catch(() => {});
  note(`[${mode}] requests: ${show(log)}`);
  if (provider.invalidated.length) note(`[${mode}] the SDK invalidated credentials: ${provider.invalidated.join(', ')}`);
}

const modes = opt.mode.split(',').map((s) => s.trim()).filter(Boolean);
for (const mode of modes) {
  if (mode === 'cimd' && !opt['cimd-url']) {
    check('[cimd] NXM_CIMD_URL is set', false, 'no document URL');
    continue;
  }
  try {
    await flow(mode);
  } catch (e) {
    check(`[${mode}] the flow ran to the end`, false, `${errText(e)} ${e?.stack?.split('\n')[1] ?? ''}`);
  }
}
if (!embedded) console.log(`1..${n}`);
process.exit(failed === 0 ? 0 : 1);
