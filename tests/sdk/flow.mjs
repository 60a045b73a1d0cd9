// The official MCP TypeScript SDK clients through nexmcp's whole OAuth flow,
// as an MCP client application runs it: the SDK's Client and
// StreamableHTTPClientTransport meet the 401 on /mcp, discover the protected
// resource and the authorization server, get a client_id (dynamic
// registration, or a Client ID Metadata Document URL), build the
// authorization URL with PKCE, state and resource, exchange the code, and
// then use the MCP server with the token:
//
//   dcr     @modelcontextprotocol/sdk (1.x), a registered client: initialize,
//           ping, the tools over revision 2025-11-25, the session ended
//   cimd    the same SDK, a client whose client_id is the URL of a Client ID
//           Metadata Document
//   modern  @modelcontextprotocol/client (2.x) pinned to revision 2026-07-28,
//           a registered client: server/discover, no initialize and no
//           session, the tools; what it sent and received is checked on the
//           wire (headers, _meta, resultType)
//
// The user's part is played by the test's OAuthClientProvider (the same
// class serves both SDKs): its redirectToAuthorization() signs in on the
// login page as a browser would (every hidden input as served, e-mail,
// password, the disclaimer and personal data ticked), reads the 302 to the
// loopback redirect URI (where nothing listens) and keeps the code for
// transport.finishAuth().
//
// Usage: node flow.mjs [--mode dcr,cimd,modern] with the environment:
//   NXM_BASE          https://127.0.0.1:PORT (the issuer; /mcp is under it)
//   NXM_EMAIL, NXM_PASSWORD   the simulator's demo administrator
//   NXM_REDIRECT_URI  the loopback redirect URI (registered, and in the document)
//   NXM_CIMD_URL      the Client ID Metadata Document's URL (cimd mode)
//   NXM_TAP_FIRST     number of the first check; the caller prints the plan
// The CA is trusted through NODE_EXTRA_CA_CERTS. Prints TAP; exits non-zero
// if a check failed.

import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as Unauthorized1 } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as Client2,
  StreamableHTTPClientTransport as Transport2,
  UnauthorizedError as Unauthorized2,
} from '@modelcontextprotocol/client';
import { tap } from '../lib/tap.mjs';

const SCOPE = 'nexudus:read nexudus:write';
const TIMEOUT_MS = 180000;

const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string', default: process.env.NXM_SDK_MODES || 'dcr,cimd,modern' },
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
const { check, note, finish } = tap('sdk');
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
// the checks can say what the SDK sent and what came back: the request's
// headers and body, the answer's status and headers, and for POSTs to /mcp
// the answer's body, read from a copy while the SDK reads the original.
function loggingFetch(log) {
  return async (url, init = {}) => {
    const entry = {
      method: (init.method || 'GET').toUpperCase(),
      url: String(url),
      headers: new Headers(init.headers ?? {}),
      body: init.body,
    };
    log.push(entry);
    try {
      const res = await fetch(url, init);
      entry.status = res.status;
      entry.answer = res.headers;
      entry.www = res.headers.get('www-authenticate');
      if (entry.method === 'POST' && entry.url === MCP_URL) entry.text = res.clone().text().catch((e) => `(${e.message})`);
      return res;
    } catch (e) {
      entry.status = `fetch failed: ${e.cause?.message || e.message}`;
      throw e;
    }
  };
}
// The JSON-RPC message a logged request sent, and the ones its answer carried
// (a JSON body, or the data lines of an event stream).
const rpcSent = (e) => {
  try {
    return JSON.parse(String(e.body));
  } catch {
    return undefined;
  }
};
async function rpcAnswered(e) {
  const text = (await e.text) ?? '';
  const type = e.answer?.get('content-type') ?? '';
  const parts = type.includes('text/event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim())
    : [text];
  return parts.flatMap((p) => {
    try {
      return [JSON.parse(p)];
    } catch {
      return [];
    }
  });
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
// e-mail and password, the required disclaimer ticked, and personal data
// allowed (a session that asks for redaction cannot use the tools that return
// records, and nexudus_list is one of the tools used here); read-only left
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
    else if (type === 'checkbox' && (a.name === 'disclaimer' || a.name === 'allow_pii')) fields.append(a.name, a.value || 'on');
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
    this._discovery = undefined;
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

  // Kept with the verifier: the 2.x SDK checks on the way back that the code
  // comes from the authorization server it sent the user to.
  saveDiscoveryState(state) {
    this._discovery = state;
  }

  discoveryState() {
    return this._discovery;
  }

  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'client') this._client = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discovery = undefined;
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
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
// The SDK each mode runs. The 2.x client speaks revision 2026-07-28 only
// when told to: pinned, it opens with server/discover and fails rather than
// fall back to initialize.
const SDK = {
  legacy: {
    Client: Client1,
    Transport: Transport1,
    UnauthorizedError: Unauthorized1,
    options: {},
    // 1.x takes the code alone.
    finishAuth: (transport, redirect) => transport.finishAuth(redirect.searchParams.get('code')),
  },
  modern: {
    Client: Client2,
    Transport: Transport2,
    UnauthorizedError: Unauthorized2,
    options: { versionNegotiation: { mode: { pin: MODERN } } },
    // 2.x checks the redirect's iss against the issuer before it redeems the code.
    finishAuth: (transport, redirect) => transport.finishAuth(redirect.searchParams),
  },
};

// ---------------------------------------------------------------- the tools
const TOOLS = ['nexudus_whoami', 'nexudus_list_entities', 'nexudus_describe_entity', 'nexudus_list'];

async function listTools(client, label) {
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    check(label(`client.listTools() (${tools.length} tools)`), TOOLS.every((t) => names.includes(t)), names.join(' '));
    return tools;
  } catch (e) {
    check(label('client.listTools()'), false, errText(e));
    return undefined;
  }
}

// The result of a tools/call, or what the SDK threw.
async function callTool(client, name, args) {
  try {
    return { result: await client.callTool({ name, arguments: args }) };
  } catch (error) {
    return { error };
  }
}
const shown = ({ result, error }) => (error ? `${errText(error)} code ${error.code}` : JSON.stringify(result).slice(0, 300));

// The same calls in either revision, checked on what the SDK hands back.
async function useTools(client, label, modern) {
  const tools = await listTools(client, label);
  if (!tools) return;
  if (modern) {
    // Why the client must send Mcp-Param-Entity (checked on the wire later).
    const entity = tools.find((t) => t.name === 'nexudus_list')?.inputSchema?.properties?.entity;
    check(label('nexudus_list declares x-mcp-header "Entity" on its entity argument'),
      entity?.['x-mcp-header'] === 'Entity', JSON.stringify(entity));
  }
  let r = await callTool(client, 'nexudus_whoami', {});
  const who = r.result?.structuredContent;
  check(label('callTool nexudus_whoami: a Nexudus user with the 3 locations, both scopes'),
    r.result?.isError === false && typeof who?.nexudus_user_id === 'number' && who.locations?.length === 3 &&
      who.scope === SCOPE,
    shown(r));
  r = await callTool(client, 'nexudus_list_entities', {});
  check(label('callTool nexudus_list_entities: the 208 entities'),
    r.result?.isError === false && r.result.structuredContent?.count === 208, shown(r));
  r = await callTool(client, 'nexudus_describe_entity', { entity: 'coworkers' });
  const described = r.result?.structuredContent;
  check(label('callTool nexudus_describe_entity coworkers: FullName, required on create, PII NAME'),
    r.result?.isError === false && described?.path === '/api/spaces/coworkers' && Array.isArray(described.fields) &&
      described.fields.some((f) => f.name === 'FullName' && f.required_on_create === true && f.pii === 'NAME'),
    shown(r));
  r = await callTool(client, 'nexudus_list', { entity: 'resources', size: 5 });
  const records = r.result?.structuredContent?.Records;
  check(label('callTool nexudus_list resources, size 5: 5 records'),
    r.result?.isError === false && Array.isArray(records) && records.length === 5 &&
      records.every((x) => typeof x.Id === 'number' && typeof x.Name === 'string'),
    shown(r));
  r = await callTool(client, 'nexudus_no_such_tool', {});
  check(label('callTool of an unknown tool: JSON-RPC error -32602'), r.error?.code === -32602, shown(r));
}

// ---------------------------------------------------------------- 2026-07-28
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
const META_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

// The 2.x client with the token: discover, the tools, then what went over
// the wire from the connect on.
async function modernSession({ label, log, mark, provider, client, second }) {
  const since = () => log.slice(mark);
  let error;
  try {
    await client.connect(second);
  } catch (e) {
    error = e;
  }
  check(label(`connect pinned to ${MODERN} negotiates it through server/discover`),
    !error && client.getProtocolEra() === 'modern' && client.getNegotiatedProtocolVersion() === MODERN,
    `${error ? errText(error) : client.getNegotiatedProtocolVersion()} ${show(since())}`);
  if (error) {
    note(`[modern] requests: ${show(log)}`);
    return;
  }
  check(label('no second authorization was needed'), provider.authorizationUrls.length === 1 &&
    !since().some((e) => e.status === 401), show(since()));
  const found = client.getDiscoverResult();
  check(label(`server/discover: nexmcp, versions ${MODERN} and ${LEGACY}, tools`),
    client.getServerVersion()?.name === 'nexmcp' && found?.supportedVersions?.includes(MODERN) &&
      found.supportedVersions.includes(LEGACY) && typeof found.capabilities?.tools === 'object',
    JSON.stringify(found)?.slice(0, 300));
  await useTools(client, label, true);
  await onTheWire(label, since(), second);
  await client.close().catch(() => {});
  note(`[modern] requests: ${show(log)}`);
}

// What the 2.x client sent and what came back, from the logged exchanges.
async function onTheWire(label, entries, transport) {
  const posts = entries.filter((e) => e.method === 'POST' && e.url === MCP_URL);
  const messages = posts.flatMap((e) => [rpcSent(e)].flat().map((m) => ({ e, m })));
  const requests = messages.filter(({ m }) => m?.method && m.id !== undefined);
  const methods = requests.map(({ m }) => m.method + (m.params?.name ? ` ${m.params.name}` : '')).join(', ');
  const headersOf = ({ e }) =>
    ['mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-param-entity', 'mcp-session-id']
      .filter((h) => e.headers.has(h))
      .map((h) => `${h}: ${e.headers.get(h)}`)
      .join('; ');
  const wrong = (list) => list.map((x) => `${x.m.method} [${headersOf(x)}] _meta ${JSON.stringify(x.m.params?._meta)}`).join(' | ');

  check(label('on the wire: the first request is server/discover'), requests[0]?.m.method === 'server/discover', methods);
  check(label('on the wire: no initialize, no notifications/initialized'),
    posts.length > 0 && !messages.some(({ m }) => m?.method === 'initialize' || m?.method === 'notifications/initialized'),
    methods);
  let bad = requests.filter(({ e, m }) =>
    e.headers.get('mcp-protocol-version') !== MODERN || m.params?._meta?.[META_VERSION] !== MODERN ||
    typeof m.params._meta[META_CAPABILITIES] !== 'object');
  check(label(`on the wire: every request has MCP-Protocol-Version ${MODERN} and _meta protocolVersion, clientCapabilities`),
    requests.length >= 7 && bad.length === 0, `${requests.length} requests; ${wrong(bad)}`);
  bad = requests.filter(({ e, m }) => e.headers.get('mcp-method') !== m.method);
  check(label('on the wire: every request has Mcp-Method, the body\'s method'), bad.length === 0, wrong(bad));
  const calls = requests.filter(({ m }) => m.method === 'tools/call');
  bad = calls.filter(({ e, m }) => e.headers.get('mcp-name') !== m.params?.name);
  check(label('on the wire: every tools/call has Mcp-Name, the tool\'s name'), calls.length >= 5 && bad.length === 0,
    `${calls.length} calls; ${wrong(bad)}`);
  const withEntity = calls.filter(({ m }) => typeof m.params?.arguments?.entity === 'string');
  bad = calls.filter(({ e, m }) => e.headers.get('mcp-param-entity') !== (m.params?.arguments?.entity ?? null));
  check(label('on the wire: Mcp-Param-Entity mirrors the entity argument, and only there'),
    withEntity.length >= 2 && bad.length === 0, `${withEntity.length} calls with an entity; ${wrong(bad)}`);
  const sessions = posts.filter((e) => e.headers.has('mcp-session-id') || e.answer?.has('mcp-session-id'));
  check(label('on the wire: no Mcp-Session-Id, sent or answered'), sessions.length === 0 && transport.sessionId === undefined,
    sessions.map((e) => `${e.headers.get('mcp-session-id')} / ${e.answer?.get('mcp-session-id')}`).join(', '));

  const answered = await Promise.all(
    requests.map(async (x) => ({ ...x, reply: (await rpcAnswered(x.e)).find((r) => r.id === x.m.id) })));
  const results = answered.filter((x) => x.reply?.result);
  bad = results.filter((x) => x.reply.result.resultType !== 'complete');
  check(label('on the wire: every result has resultType "complete"'),
    results.length >= requests.length - 1 && bad.length === 0,
    `${results.length} results of ${requests.length} requests; ${bad.map((x) => `${x.m.method}: ${JSON.stringify(x.reply.result).slice(0, 120)}`).join(' | ')}`);
  const unknown = answered.find((x) => x.m.params?.name === 'nexudus_no_such_tool');
  if (unknown) note(`[modern] the unknown tool: HTTP ${unknown.e.status} ${JSON.stringify(unknown.reply?.error ?? unknown.reply)}`);
}

async function flow(mode) {
  const cimd = mode === 'cimd';
  const modern = mode === 'modern';
  const sdk = modern ? SDK.modern : SDK.legacy;
  const label = (s) => `[${mode}] ${s}`;
  const log = [];
  const myFetch = loggingFetch(log);
  const provider = new TestProvider({
    redirectUrl: opt.redirect,
    clientMetadataUrl: cimd ? opt['cimd-url'] : undefined,
    clientName: `nexmcp SDK test (${mode})`,
  });
  const client = new sdk.Client({ name: `nexmcp-sdk-test-${mode}`, version: '1.0.0' }, sdk.options);

  // a. No token: the SDK meets the 401, discovers, gets a client_id and
  // "redirects" the user, then gives up with UnauthorizedError.
  const first = new sdk.Transport(new URL(MCP_URL), { authProvider: provider, fetch: myFetch });
  let error;
  try {
    await client.connect(first);
  } catch (e) {
    error = e;
  }
  check(label('connect without a token ends in UnauthorizedError'), error instanceof sdk.UnauthorizedError,
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
    await sdk.finishAuth(first, provider.redirect);
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
  const second = new sdk.Transport(new URL(MCP_URL), { authProvider: provider, fetch: myFetch });
  const mark = log.length;
  if (modern) {
    await modernSession({ label, log, mark, provider, client, second });
    return;
  }
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
  check(label(`negotiated protocol revision ${second.protocolVersion}`), second.protocolVersion === LEGACY,
    second.protocolVersion);
  check(label('no second authorization was needed'), provider.authorizationUrls.length === 1 &&
    !log.slice(mark).some((e) => e.status === 401), show(log.slice(mark)));
  try {
    const pong = await client.ping();
    check(label('client.ping()'), pong && typeof pong === 'object', JSON.stringify(pong));
  } catch (e) {
    check(label('client.ping()'), false, errText(e));
  }
  await useTools(client, label, false);
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
finish();
