// Personal data under attack, through nexmcp's /mcp as a prompt-injected
// assistant would try it, in sessions with redaction on (tests/integration/
// pii.sh signs them in and runs this last):
//
//  - canaries: a distinct word is planted, through the simulator's control
//    endpoint, in every string field of the first record of every entity it
//    serves (and in a member the catalog does not know); every record is read
//    back with nexudus_get and nexudus_list, and the specialist tools run.
//    No canary of a personal or unclassified field may appear in any answer,
//    and every canary of a field classified as not personal must (so the
//    probe sees the data it should). Per-entity counts are printed.
//  - tokens in every argument of every tool: a token whose value is known
//    (read in a session with personal data allowed), alone, with characters
//    around it, inside arrays and objects, as filters, fields, enum values,
//    orderBy, dates, ids and entity names. No answer may hold a personal
//    value of the members read, in any spelling.
//  - laundering: a token written into every writable field of coworkers that
//    holds no personal data is refused, and the value never lands there.
//  - guessing: part of a name or e-mail as a filter on a personal field finds
//    nothing, the whole value finds its record, and ranges, ordering and
//    clear values of few-valued personal fields are refused.
//
// Environment: NXM_PII_BASE, NXM_PII_SIM (the simulator's URL), NXM_PII_CATALOG,
// NXM_PII_REDACTED (a redacted read-write session's access token),
// NXM_PII_VISIBLE (one with personal data allowed), NXM_PII_OUT (a folder for
// the answers), NODE_EXTRA_CA_CERTS (the deployment's certificate).
import fs from 'node:fs';
import path from 'node:path';
import { tap } from '../lib/tap.mjs';

const { check, note, finish } = tap('pii');
const env = process.env;
const BASE = env.NXM_PII_BASE;
const SIM = env.NXM_PII_SIM;
const OUT = env.NXM_PII_OUT;
const catalog = JSON.parse(fs.readFileSync(env.NXM_PII_CATALOG, 'utf8'));
const log = fs.createWriteStream(path.join(OUT, 'attack.jsonl'));

// ---------------------------------------------------------------- MCP

// A 2025-11-25 session: any shape of arguments reaches the tools (the
// stateless revision mirrors some into headers).
class Mcp {
  constructor(token) {
    this.token = token;
    this.id = 0;
  }

  async post(body, session) {
    const headers = {
      authorization: `Bearer ${this.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (session) {
      headers['mcp-session-id'] = session;
      headers['mcp-protocol-version'] = '2025-11-25';
    }
    const res = await fetch(`${BASE}/mcp`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async open() {
    const r = await this.post({
      jsonrpc: '2.0',
      id: ++this.id,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'attack', version: '1' } },
    });
    this.session = r.headers.get('mcp-session-id');
    if (!this.session) throw new Error(`initialize: ${r.status} ${r.text.slice(0, 200)}`);
    return this;
  }

  // The raw answer (every byte is looked at) and its result.
  async call(name, args) {
    const r = await this.post(
      { jsonrpc: '2.0', id: ++this.id, method: 'tools/call', params: { name, arguments: args } },
      this.session,
    );
    let json = null;
    try {
      json = JSON.parse(r.text);
    } catch {
      // left null: the caller checks the raw text anyway
    }
    log.write(`${JSON.stringify({ name, args, status: r.status, answer: r.text.slice(0, 20000) })}\n`);
    return { status: r.status, text: r.text, result: json?.result, error: json?.error };
  }

  async tools() {
    const r = await this.post({ jsonrpc: '2.0', id: ++this.id, method: 'tools/list' }, this.session);
    return JSON.parse(r.text).result.tools;
  }
}

// Every string of an answer, a JSON text mirror's strings too, lower case,
// joined: what the assistant reads, escapes undone.
function readable(text) {
  const out = [];
  const walk = (v) => {
    if (typeof v === 'string') {
      out.push(v);
      if (v.startsWith('{') || v.startsWith('[')) {
        try {
          walk(JSON.parse(v));
        } catch {
          // free text that starts with a brace
        }
      }
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      for (const [k, m] of Object.entries(v)) {
        out.push(k);
        walk(m);
      }
    }
  };
  try {
    walk(JSON.parse(text));
  } catch {
    out.push(text);
  }
  return out.join('\n').toLowerCase();
}

const digits = (s) => s.replace(/[^0-9]/g, '');

// ---------------------------------------------------------------- catalog

const refs = new Set(catalog.person_references);
const categorised = (f) => f.pii !== null && f.pii !== 'NONE';
// "<Singular><Field>" copies of a personal field are personal wherever they are.
const copies = new Set();
for (const e of catalog.entities)
  for (const f of e.fields) if (categorised(f)) copies.add(`${e.singular}${f.name}`.toLowerCase());

function personalEntity(e) {
  return e.fields.some((f) => (categorised(f) && f.pii !== 'ACCESS') || refs.has(f.name));
}

// Whether a field's value must never be shown in a redacted session.
function hidden(e, f) {
  const first = e.fields.find((g) => g.name.toLowerCase() === f.name.toLowerCase());
  return categorised(first) || copies.has(f.name.toLowerCase());
}

// Distinct canaries, letters only (no detector takes them for anything),
// twelve of them: long enough for the egress filter to know them anywhere.
let counter = 0;
function canary() {
  let n = counter++;
  let s = '';
  for (let i = 0; i < 8; i++) {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return `cnry${s}`;
}

// ---------------------------------------------------------------- canaries

async function plant(e) {
  const fields = {};
  const planted = [];
  for (const f of e.fields) {
    if (f.type !== 'string') continue;
    if (planted.some((p) => p.field.toLowerCase() === f.name.toLowerCase())) continue;
    const c = canary();
    fields[f.name] = c;
    planted.push({ field: f.name, canary: c, hidden: hidden(e, f), collection: f.list_field });
  }
  // A member the catalog does not know: withheld where the record holds
  // personal data.
  const c = canary();
  fields.NxmUnknownMember = c;
  planted.push({ field: 'NxmUnknownMember', canary: c, hidden: personalEntity(e), collection: false });
  const res = await fetch(`${SIM}/_sim/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entity: e.name, fields }),
  });
  if (res.status !== 200) return null;
  const { id } = await res.json();
  return { id, planted };
}

async function canaries(mcp) {
  const readable_entities = catalog.entities.filter(
    (e) => e.module && (e.operations.includes('get') || e.operations.includes('list')),
  );
  const planted = new Map();
  for (const e of readable_entities) {
    const p = await plant(e);
    if (p) planted.set(e.name, p);
  }
  check(
    `canaries planted in every string field of ${planted.size} of ${readable_entities.length} readable entities`,
    planted.size === readable_entities.length,
    readable_entities.filter((e) => !planted.has(e.name)).map((e) => e.name).join(' '),
  );
  // Every answer, and per entity the answers about its own record.
  const all = [];
  const own = new Map();
  for (const e of readable_entities) {
    const p = planted.get(e.name);
    if (!p) continue;
    const texts = [];
    if (e.operations.includes('get')) texts.push((await mcp.call('nexudus_get', { entity: e.name, id: p.id })).text);
    if (e.operations.includes('list'))
      texts.push((await mcp.call('nexudus_list', { entity: e.name, size: 100 })).text);
    own.set(e.name, texts.map(readable).join('\n'));
    all.push(...texts);
  }
  const from = new Date(Date.now() - 100 * 86400000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 100 * 86400000).toISOString().slice(0, 10);
  const today = new Date().toISOString().slice(0, 10);
  for (const [name, args] of [
    ['nexudus_whoami', {}],
    ['nexudus_find_members', { size: 100 }],
    ['nexudus_bookings_between', { from, to, size: 100 }],
    ['nexudus_unpaid_invoices', { size: 100 }],
    ['nexudus_unpaid_invoices', { overdue_only: true, size: 100 }],
    ['nexudus_todays_checkins', { size: 100 }],
    ['nexudus_resource_availability', { from: `${today}T00:00`, to: `${today}T23:59` }],
  ])
    all.push((await mcp.call(name, args)).text);
  const everything = all.map(readable).join('\n');
  let leaks = [];
  let totals = { fields: 0, hidden: 0, shown: 0 };
  for (const [entity, p] of planted) {
    const mine = own.get(entity) ?? '';
    const leaked = p.planted.filter((x) => x.hidden && everything.includes(x.canary));
    const missing = p.planted.filter((x) => !x.hidden && !mine.includes(x.canary));
    const hid = p.planted.filter((x) => x.hidden).length;
    totals.fields += p.planted.length;
    totals.hidden += hid;
    totals.shown += p.planted.length - hid;
    note(
      `${entity}: ${p.planted.length} canaries, ${hid} personal or unclassified (${leaked.length} seen), ` +
        `${p.planted.length - hid} not personal (${p.planted.length - hid - missing.length} seen)`,
    );
    leaks = leaks.concat(leaked.map((x) => `${entity}.${x.field}`));
    check(
      `${entity}: no personal canary in any answer, every not-personal one in its own`,
      leaked.length === 0 && missing.length === 0,
      `leaked: ${leaked.map((x) => x.field).join(',')} missing: ${missing.map((x) => x.field).join(',')}`,
    );
  }
  note(
    `canaries: ${totals.fields} in ${planted.size} entities; ${totals.hidden} personal or ` +
      `unclassified, ${totals.shown} not personal; ${all.length} answers read`,
  );
  check('no canary of a personal or unclassified field anywhere', leaks.length === 0, leaks.join(' '));
}

// ---------------------------------------------------------------- tokens

// Members read in both sessions: tokens in one, values in the other.
async function known(red, vis) {
  const args = { entity: 'coworkers', size: 12, orderBy: 'Id', filters: { CoworkerType: 1 } };
  const a = (await red.call('nexudus_list', args)).result.structuredContent.Records.slice(1);
  const b = (await vis.call('nexudus_list', args)).result.structuredContent.Records.slice(1);
  const tokens = [];
  const values = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i].Id !== b[i].Id) throw new Error('the two sessions listed other members');
    for (const f of ['FullName', 'Email', 'MobilePhone', 'LandLine', 'DateOfBirth', 'Address', 'BankAccount']) {
      if (typeof b[i][f] !== 'string' || b[i][f] === '') continue;
      tokens.push({ token: a[i][f], value: b[i][f], field: f, id: a[i].Id });
      values.push({ field: f, value: b[i][f] });
    }
  }
  return { tokens, values, ids: a.map((r) => r.Id) };
}

// The personal values that show in an answer, in any of their spellings.
function leaked(text, values) {
  const r = readable(text);
  const rd = digits(r.replace(/\n/g, ' x '));
  const out = [];
  for (const { field, value } of values) {
    const v = value.toLowerCase();
    if (r.includes(v)) out.push(value);
    else if (field === 'DateOfBirth' && r.includes(v.slice(0, 10))) out.push(value);
    else if ((field === 'MobilePhone' || field === 'LandLine') && digits(v).length >= 9 && rd.includes(digits(v)))
      out.push(value);
  }
  return out;
}

// Arguments every tool accepts, for one argument at a time to be replaced.
function baseline(ids) {
  return {
    entity: 'coworkers',
    id: ids[0],
    fields: { Notes: 'note' },
    filters: {},
    from: '2026-01-01',
    to: '2027-01-01',
    page: 1,
    size: 3,
    orderBy: 'Id',
    dir: 'asc',
    key: 'COWORKER_ARCHIVE',
    ids: [ids[0]],
    parameters: [],
    name: 'x',
    email: 'x',
    company: 'x',
    active: true,
    member_id: ids[0],
    location_id: 1,
    resource_id: 1,
    resource_name: 'x',
    resource_type: 'x',
    resource_type_id: 1,
    overdue_only: false,
  };
}

function variants(t, u) {
  return [
    t,
    `a${t}9`,
    `${t}x`,
    `${u}${t}`,
    [t],
    [`x${t}`, 3],
    { k: t },
    { FullName: t },
    { Email: `${t}9` },
    { ReferenceNumber: `x${t}` },
    { [t]: 1 },
    { Notes: { nested: [t] } },
  ];
}

async function everyArgument(red, k) {
  const tools = (await red.tools()).filter((t) => t.name !== 'nexudus_reauthenticate');
  const base = baseline(k.ids);
  let calls = 0;
  for (const tool of tools) {
    const props = Object.keys(tool.inputSchema.properties ?? {});
    const required = tool.inputSchema.required ?? [];
    const found = [];
    let n = 0;
    // One token of each kind in turn, so each argument meets every kind.
    const kinds = ['FullName', 'Email', 'MobilePhone', 'DateOfBirth', 'Address', 'BankAccount'].map((f) =>
      k.tokens.find((t) => t.field === f),
    ).filter(Boolean);
    for (const p of props.length ? props : [null]) {
      const vs = [];
      kinds.forEach((t, i) => vs.push(...variants(t.token, kinds[(i + 1) % kinds.length].token).filter((_, j) => j % kinds.length === i)));
      for (const v of p === null ? [null] : vs) {
        const args = {};
        for (const r of required) args[r] = base[r];
        if (p !== null) args[p] = v;
        const r = await red.call(tool.name, args);
        n++;
        const l = leaked(r.text, k.values);
        if (l.length) found.push(`${p}=${JSON.stringify(v).slice(0, 60)}: ${l.join(', ')}`);
      }
    }
    calls += n;
    check(`${tool.name}: no personal value in ${n} answers with tokens in every argument`, found.length === 0, found.slice(0, 3).join(' | '));
  }
  note(`tokens in arguments: ${calls} calls over ${tools.length} tools, ${k.tokens.length} tokens known`);
}

// ---------------------------------------------------------------- laundering

async function laundering(red, vis, k) {
  const cw = catalog.entities.find((e) => e.name === 'coworkers');
  const fields = cw.fields.filter((f) => f.type === 'string' && f.in_update && f.pii === 'NONE');
  const target = k.ids[1];
  const secret = k.tokens.find((t) => t.field === 'Email');
  let refused = 0;
  const landed = [];
  const shown = [];
  for (const f of fields) {
    const r = await red.call('nexudus_update', { entity: 'coworkers', id: target, fields: { [f.name]: `ref ${secret.token}` } });
    if (r.result?.isError && /holds no personal data/.test(r.result.content[0].text)) refused++;
    if (leaked(r.text, k.values).length) shown.push(f.name);
  }
  const after = (await vis.call('nexudus_get', { entity: 'coworkers', id: target })).result.structuredContent;
  for (const f of fields) if (String(after[f.name] ?? '').includes(secret.value)) landed.push(f.name);
  const back = await red.call('nexudus_get', { entity: 'coworkers', id: target });
  check(
    `laundering: a token written into each of the ${fields.length} writable not-personal fields of coworkers is refused`,
    refused === fields.length,
    `${refused} refused`,
  );
  check('laundering: the value never lands in Nexudus, nor shows in an answer', landed.length === 0 && shown.length === 0 && leaked(back.text, k.values).length === 0, `landed: ${landed.join(',')} shown: ${shown.join(',')}`);
  // Into a personal field it is allowed, and reads back as the token.
  const ok = await red.call('nexudus_update', { entity: 'coworkers', id: target, fields: { Notes: `write to ${secret.token}` } });
  const note2 = (await vis.call('nexudus_get', { entity: 'coworkers', id: target })).result.structuredContent.Notes;
  const again = await red.call('nexudus_get', { entity: 'coworkers', id: target });
  check(
    'a token written into a personal field lands as its value and reads back redacted',
    ok.result?.isError === false && note2 === `write to ${secret.value}` && leaked(again.text, k.values).length === 0,
    `${ok.text.slice(0, 200)} / ${note2}`,
  );
}

// ---------------------------------------------------------------- elsewhere

// Values the session has shown as tokens, found by Nexudus's data where no
// field and no detector would take them: in a resource's description (free
// text of an entity without personal data), a name, and a phone number
// written another way. The egress filter replaces them.
async function elsewhere(red, k) {
  const name = k.tokens.find((t) => t.field === 'FullName');
  const phone = k.tokens.find((t) => t.field === 'MobilePhone' && digits(t.value).length >= 10);
  const text = `Booked for ${name.value.toUpperCase()}; mobile ${digits(phone.value)}x.`;
  const res = await fetch(`${SIM}/_sim/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entity: 'resources', fields: { Description: text } }),
  });
  const { id } = await res.json();
  const r = await red.call('nexudus_get', { entity: 'resources', id });
  const d = r.result?.structuredContent?.Description ?? '';
  check(
    'a name and a phone the session has seen, in free text elsewhere, show as their tokens',
    leaked(r.text, k.values).length === 0 && d.includes(name.token) && d.includes(phone.token),
    d,
  );
}

// ---------------------------------------------------------------- guessing

async function guessing(red, k) {
  const name = k.tokens.find((t) => t.field === 'FullName');
  const mail = k.tokens.find((t) => t.field === 'Email');
  const count = (r) => r.result?.structuredContent?.Records?.length ?? -1;
  const list = (filters, extra = {}) => red.call('nexudus_list', { entity: 'coworkers', filters, size: 100, ...extra });
  let r = await list({ FullName: name.value.slice(0, 3) });
  check('part of a name as a filter finds nothing', count(r) === 0, r.text.slice(0, 300));
  r = await list({ Email: mail.value.slice(0, mail.value.indexOf('@') + 1) });
  check('part of an e-mail as a filter finds nothing', count(r) === 0, r.text.slice(0, 300));
  r = await list({ Email: mail.value.toUpperCase() });
  check('the whole e-mail (any case) finds its member', count(r) >= 1 && r.result.structuredContent.Records.every((x) => x.Id === mail.id), r.text.slice(0, 300));
  r = await list({ FullName: name.token });
  check('a name token finds its member', count(r) >= 1 && r.result.structuredContent.Records.some((x) => x.Id === name.id), r.text.slice(0, 300));
  r = await red.call('nexudus_find_members', { email: mail.value.slice(0, 4) });
  check('find_members by part of an e-mail finds nothing', count(r) === 0, r.text.slice(0, 300));
  r = await red.call('nexudus_find_members', { name: name.token });
  check('find_members by a name token finds the member', count(r) >= 1, r.text.slice(0, 300));
  for (const [desc, args] of [
    ['ordering by a personal field', { entity: 'coworkers', orderBy: 'FullName' }],
    ['a range on a birth date', { entity: 'coworkers', from: { DateOfBirth: '1980-01-01' }, to: { DateOfBirth: '1990-01-01' } }],
    ['a clear value of a few-valued personal field', { entity: 'coworkers', filters: { Gender: 1 } }],
  ]) {
    r = await red.call('nexudus_list', args);
    check(`${desc} is refused`, r.result?.isError === true && /Personal data is redacted/.test(r.result.content[0].text), r.text.slice(0, 300));
  }
}

// ---------------------------------------------------------------- main

try {
  const red = await new Mcp(env.NXM_PII_REDACTED).open();
  const vis = await new Mcp(env.NXM_PII_VISIBLE).open();
  const k = await known(red, vis);
  check(`members read in both sessions (${k.tokens.length} personal values with their tokens)`, k.tokens.length >= 20);
  await guessing(red, k);
  await elsewhere(red, k);
  // What is no one's stays readable once members were read: the locations'
  // names (a member's InvoicingBusinessName too).
  const who = (await red.call('nexudus_whoami', {})).result?.structuredContent;
  check(
    "the locations' names show in clear after members were read",
    who?.locations?.length > 0 && who.locations.every((l) => /^Demo Coworking /.test(l.Name)),
    JSON.stringify(who?.locations),
  );
  await everyArgument(red, k);
  await laundering(red, vis, k);
  await canaries(red);
} catch (e) {
  check('the attack suite ran', false, e.stack);
}
log.end();
finish();
