// A loopback HTTP proxy for the conformance suite's server scenarios: the
// suite sends no credentials, nexmcp requires a bearer token on every /mcp
// request, so this proxy adds one and changes nothing else. Each request is
// forwarded to the same path on the upstream origin with its method, its
// request target, every end-to-end header as sent (Host and Origin included,
// names and order kept) and its body streamed; the answer comes back with
// the upstream's status code, reason phrase, headers and body, streamed
// chunk by chunk (an SSE response reaches the suite as it is written).
//
// Only the hop-by-hop headers of RFC 9110 section 7.6.1 are not forwarded:
// they describe one connection, and each side of the proxy frames its own
// (a Content-Length is kept; a chunked body is chunked again).
//
// Authorization: "Bearer <token>" is added to a request that has none; a
// request that brings its own passes with it unchanged.
//
// Environment: NXM_PROXY_UPSTREAM (https://127.0.0.1:PORT), NXM_PROXY_TOKEN,
// NXM_PROXY_CA (PEM file to trust for the upstream), NXM_PROXY_PORT (0 for
// a free one). Prints "listening PORT" once it accepts connections, and one
// line per request on stderr.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

const upstream = new URL(process.env.NXM_PROXY_UPSTREAM ?? '');
const token = process.env.NXM_PROXY_TOKEN ?? '';
const ca = fs.readFileSync(process.env.NXM_PROXY_CA ?? '');
if (upstream.protocol !== 'https:' || token === '') {
  console.error('proxy: NXM_PROXY_UPSTREAM (https) and NXM_PROXY_TOKEN are required');
  process.exit(2);
}

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

// Raw [name, value, name, value, ...] without the hop-by-hop headers, and
// without those the Connection header names for this hop.
function endToEnd(raw) {
  const named = new Set();
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].toLowerCase() === 'connection')
      for (const t of raw[i + 1].split(',')) named.add(t.trim().toLowerCase());
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(n) && !named.has(n)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

const agent = new https.Agent({ keepAlive: true, ca });

const server = http.createServer((req, res) => {
  // No Date header of the proxy's own: the upstream's is forwarded.
  res.sendDate = false;
  const headers = endToEnd(req.rawHeaders);
  if (req.headers.authorization === undefined) headers.push('Authorization', `Bearer ${token}`);
  const started = Date.now();
  const up = https.request({
    agent,
    protocol: 'https:',
    host: upstream.hostname,
    port: upstream.port || 443,
    method: req.method,
    path: req.url,
    headers,
    // The certificate is checked against the upstream's own address, not
    // against the Host header the client sent (which is forwarded as is and
    // may name any host: the DNS rebinding scenario sends evil.example.com).
    servername: '',
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(upstream.hostname, cert),
  });
  up.on('response', (ur) => {
    console.error(`proxy: ${req.method} ${req.url} (Host ${req.headers.host ?? '-'}, Origin ${req.headers.origin ?? '-'}) -> ${ur.statusCode} ${ur.headers['content-type'] ?? ''} ${Date.now() - started} ms`);
    res.writeHead(ur.statusCode, ur.statusMessage, endToEnd(ur.rawHeaders));
    res.flushHeaders();
    ur.on('error', () => res.destroy());
    ur.pipe(res);
  });
  up.on('error', (err) => {
    console.error(`proxy: ${req.method} ${req.url}: upstream error: ${err.message}`);
    if (!res.headersSent) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: upstream error: ${err.message}\n`);
    } else {
      res.destroy();
    }
  });
  // The client gave up (a stream it closed, a timeout): so does the proxy.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});

// Streams may stay open as long as the suite keeps them.
server.requestTimeout = 0;
server.listen(Number(process.env.NXM_PROXY_PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    agent.destroy();
    process.exit(0);
  });
