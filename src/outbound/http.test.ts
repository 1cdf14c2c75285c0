// Network rule: every socket here goes to loopback. Refusals are proved with loopback targets while
// loopback is not allowed; decisions about other ranges live in guard.test.ts, which opens no socket.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { request as undiciRequest } from 'undici';
import { createGuardedAgent, type Resolver } from './connect.js';
import { createAddressPolicy } from './guard.js';
import { createOutboundClient, OutboundError, type OutboundClient, type OutboundOptions } from './http.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

interface TestServer {
  origin: string;
  port: number;
  seen: Seen[];
  connections: number;
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  const state: TestServer = {
    origin: '',
    port: 0,
    seen,
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  after(() => state.close());
  return state;
}

function client(options: Partial<OutboundOptions> = {}): OutboundClient {
  const c = createOutboundClient({ allowNetworks: ['127.0.0.0/8'], userAgent: 'vigil-test/1', ...options });
  after(() => c.close());
  return c;
}

/** Maps names under .test to 127.0.0.1, so that connect-time checks of names can be shown on loopback. */
const testResolver: Resolver = async (hostname) => {
  if (hostname.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

async function rejectsWith(promise: Promise<unknown>, code: OutboundError['code']): Promise<OutboundError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OutboundError, `expected OutboundError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the request succeeded`);
}

const ok: Handler = (_req, res) => res.end('hello');

describe('address guard at request and connect time', () => {
  it('refuses a loopback IP when loopback is not allowed, before any connection', async () => {
    const server = await serve(ok);
    const err = await rejectsWith(client({ allowNetworks: [] }).request(`${server.origin}/feed`), 'address_refused');
    assert.equal(err.url, `${server.origin}/feed`);
    assert.equal(
      err.message,
      `refused to connect to 127.0.0.1 (loopback) for ${server.origin}/feed: the address is not allowed by the outbound policy; add it to VIGIL_ALLOW_NETWORKS to allow it`,
    );
    assert.equal(server.connections, 0);
  });

  it('refuses localhost after resolving it, before any connection', async () => {
    const server = await serve(ok);
    const url = `http://localhost:${server.port}/feed`;
    const err = await rejectsWith(client({ allowNetworks: [] }).request(url), 'address_refused');
    assert.equal(err.url, url);
    assert.match(err.message, /^refused to connect to (127\.0\.0\.1|::1) \(loopback\) for http:\/\/localhost:/);
    assert.equal(server.connections, 0);
  });

  it('refuses IPv6 and IPv4-mapped loopback literals', async () => {
    const server = await serve(ok);
    const c = client({ allowNetworks: [] });
    await rejectsWith(c.request(`http://[::1]:${server.port}/`), 'address_refused');
    const err = await rejectsWith(c.request(`http://[::ffff:127.0.0.1]:${server.port}/`), 'address_refused');
    assert.match(err.message, /refused to connect to 127\.0\.0\.1 \(loopback\)/);
    assert.equal(server.connections, 0);
  });

  it('refuses IP literals in the agent itself, without the per-request check', async () => {
    const server = await serve(ok);
    const agent = createGuardedAgent(createAddressPolicy([]), { connectTimeoutMs: 5000 });
    after(() => agent.close());
    await assert.rejects(undiciRequest(`${server.origin}/`, { dispatcher: agent }), (err: unknown) => {
      assert.ok(err instanceof OutboundError);
      assert.equal(err.code, 'address_refused');
      return true;
    });
    assert.equal(server.connections, 0);
  });

  it('judges a name by the address it resolves to, at connect time', async () => {
    const server = await serve(ok);
    const c = client({ allowNetworks: ['feeds.test'], resolve: testResolver });
    const res = await c.request(`http://feeds.test:${server.port}/a`);
    assert.equal(res.body.toString(), 'hello');
    await rejectsWith(c.request(`http://other.test:${server.port}/b`), 'address_refused');
    assert.deepEqual(
      server.seen.map((s) => s.url),
      ['/a'],
    );
    assert.equal(server.connections, 1);
  });

  it('reports a name that does not resolve as dns_failed', async () => {
    const err = await rejectsWith(client({ resolve: testResolver }).request('http://nowhere.invalid/'), 'dns_failed');
    assert.equal(err.url, 'http://nowhere.invalid/');
    assert.match(err.message, /could not resolve nowhere\.invalid .*ENOTFOUND/);
  });
});

describe('redirects', () => {
  it('follows relative and absolute Location headers and reports the chain', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/start') res.writeHead(301, { location: '/middle' }).end();
      else if (req.url === '/middle') res.writeHead(302, { location: `http://127.0.0.1:${req.socket.localPort}/end?x=1` }).end();
      else res.end(`at ${req.url}`);
    });
    const res = await client().request(`${server.origin}/start`);
    assert.equal(res.status, 200);
    assert.equal(res.url, `${server.origin}/end?x=1`);
    assert.deepEqual(res.redirects, [`${server.origin}/middle`, `${server.origin}/end?x=1`]);
    assert.equal(res.body.toString(), 'at /end?x=1');
  });

  it('re-checks the address on every hop: a refused second hop gets no connection', async () => {
    const second = await serve(ok);
    const first = await serve((_req, res) => res.writeHead(302, { location: `http://internal.test:${second.port}/` }).end());
    const c = client({ allowNetworks: ['public.test'], resolve: testResolver });
    const err = await rejectsWith(c.request(`http://public.test:${first.port}/`), 'address_refused');
    assert.equal(err.url, `http://internal.test:${second.port}/`);
    assert.equal(first.seen.length, 1);
    assert.equal(second.connections, 0);
  });

  it('follows a redirect whose body never ends without reading it to the end', async () => {
    const server = await serve((req, res) => {
      if (req.url !== '/endless') return void res.end('arrived');
      res.writeHead(302, { location: '/end' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    const res = await client({ timeoutMs: 5_000 }).request(`${server.origin}/endless`);
    assert.equal(res.body.toString(), 'arrived');
  });

  it('refuses a redirect from an allowed name to a loopback IP literal', async () => {
    const second = await serve(ok);
    const first = await serve((_req, res) => res.writeHead(307, { location: `${second.origin}/` }).end());
    const err = await rejectsWith(client({ allowNetworks: ['localhost'] }).request(`http://localhost:${first.port}/`), 'address_refused');
    assert.equal(err.url, `${second.origin}/`);
    assert.equal(first.seen.length, 1);
    assert.equal(second.connections, 0);
  });

  it('refuses a redirect to file:///etc/passwd', async () => {
    const server = await serve((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    const err = await rejectsWith(client().request(`${server.origin}/`), 'scheme_refused');
    assert.equal(err.url, 'file:///etc/passwd');
  });

  it('stops after maxRedirects with too_many_redirects', async () => {
    const server = await serve((req, res) => res.writeHead(302, { location: `/loop${req.url}` }).end());
    const err = await rejectsWith(client({ maxRedirects: 3 }).request(`${server.origin}/`), 'too_many_redirects');
    assert.equal(err.url, `${server.origin}/`);
    assert.match(err.message, /more than 3 times/);
    assert.equal(server.seen.length, 4);
  });

  it('returns the 3xx as is when followRedirects is false', async () => {
    const server = await serve((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end('moved'));
    const res = await client().request(`${server.origin}/`, { followRedirects: false });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/elsewhere');
    assert.deepEqual(res.redirects, []);
    assert.equal(server.seen.length, 1);
  });

  it('turns POST into GET on 303 and keeps method and body on 307', async () => {
    const server = await serve((req, res, body) => {
      if (req.url === '/see-other') res.writeHead(303, { location: '/result' }).end();
      else if (req.url === '/temporary') res.writeHead(307, { location: '/result' }).end();
      else res.end(`${req.method} ${body}`);
    });
    const c = client();
    const init = { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } };
    assert.equal((await c.request(`${server.origin}/see-other`, init)).body.toString(), 'GET ');
    assert.equal(server.seen[1].headers['content-type'], undefined);
    assert.equal((await c.request(`${server.origin}/temporary`, init)).body.toString(), 'POST {"a":1}');
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const other = await serve(ok);
    const server = await serve((req, res) => {
      if (req.url === '/same') res.writeHead(302, { location: '/landing' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.origin}/landing` }).end();
      else res.end();
    });
    const c = client();
    const headers = { authorization: 'Bearer secret', cookie: 'a=b' };
    await c.request(`${server.origin}/same`, { headers });
    assert.equal(server.seen[1].headers.authorization, 'Bearer secret');
    await c.request(`${server.origin}/away`, { headers });
    assert.equal(other.seen[0].headers.authorization, undefined);
    assert.equal(other.seen[0].headers.cookie, undefined);
  });
});

describe('limits and failures', () => {
  it('times out against a server that never answers', async () => {
    const server = await serve(() => {});
    const err = await rejectsWith(client().request(`${server.origin}/`, { timeoutMs: 150 }), 'timeout');
    assert.match(err.message, /timed out after 150 ms/);
  });

  it("abandons a request, closing its connection, when the caller's signal aborts", async () => {
    let closed = false;
    const server = await serve((req) => {
      req.socket.on('close', () => {
        closed = true;
      });
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('execution timed out')), 50);
    const err = await rejectsWith(client({ timeoutMs: 10_000 }).request(`${server.origin}/`, { signal: controller.signal }), 'aborted');
    assert.match(err.message, /abandoned: execution timed out/);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, true);
  });

  it('times out when the body stalls half way', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    await rejectsWith(client({ timeoutMs: 150 }).request(`${server.origin}/`), 'timeout');
  });

  it('refuses a declared length above maxBytes and a streamed body that grows past it', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/declared') res.end(Buffer.alloc(2000, 'a'));
      else {
        res.write(Buffer.alloc(600, 'a'));
        res.end(Buffer.alloc(600, 'b'));
      }
    });
    const c = client({ maxBytes: 1000 });
    const err = await rejectsWith(c.request(`${server.origin}/declared`), 'too_large');
    assert.match(err.message, /limit of 1000 bytes/);
    await rejectsWith(c.request(`${server.origin}/streamed`), 'too_large');
    assert.equal((await c.request(`${server.origin}/declared`, { maxBytes: 2000 })).body.length, 2000);
  });

  it('keeps the first maxBytes of a longer body when asked to truncate', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/declared') res.writeHead(201).end(Buffer.alloc(2000, 'a'));
      else {
        res.write(Buffer.alloc(600, 'a'));
        res.end(Buffer.alloc(600, 'b'));
      }
    });
    const c = client({ maxBytes: 1000 });
    const declared = await c.request(`${server.origin}/declared`, { truncateBody: true });
    assert.equal(declared.status, 201);
    assert.equal(declared.body.toString(), 'a'.repeat(1000));
    const streamed = await c.request(`${server.origin}/streamed`, { truncateBody: true });
    assert.equal(streamed.body.toString(), 'a'.repeat(600) + 'b'.repeat(400));
  });

  it('caps the decoded size, so a small gzip bomb is refused', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024));
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb));
    assert.ok(bomb.length < 64 * 1024);
    await rejectsWith(client({ maxBytes: 64 * 1024 }).request(`${server.origin}/`), 'too_large');
  });

  it('reports a refused connection as connect_failed with the errno', async () => {
    const closed = await serve(ok);
    await closed.close();
    const err = await rejectsWith(client().request(`${closed.origin}/`), 'connect_failed');
    assert.match(err.message, /\(ECONNREFUSED\)/);
    assert.ok(err.cause !== undefined);
  });

  it('refuses unparseable URLs and non-http schemes without a request', async () => {
    const c = client();
    await rejectsWith(c.request('not a url'), 'invalid_url');
    await rejectsWith(c.request('ftp://127.0.0.1/file'), 'scheme_refused');
  });

  it('reports a corrupt gzip body as http_error', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('definitely not gzip'));
    await rejectsWith(client().request(`${server.origin}/`), 'http_error');
  });
});

describe('requests and responses', () => {
  it('always sends the configured user-agent and accept-encoding', async () => {
    const server = await serve(ok);
    await client().request(`${server.origin}/`, { headers: { 'User-Agent': 'spoofed', 'X-Extra': '1' } });
    assert.equal(server.seen[0].headers['user-agent'], 'vigil-test/1');
    assert.equal(server.seen[0].headers['accept-encoding'], 'gzip, deflate, br');
    assert.equal(server.seen[0].headers['x-extra'], '1');
  });

  const text = 'Vigil watches the web. '.repeat(200);
  const encoders: Record<string, (b: Buffer) => Buffer> = {
    gzip: (b) => zlib.gzipSync(b),
    deflate: (b) => zlib.deflateSync(b),
    br: (b) => zlib.brotliCompressSync(b),
  };
  for (const [encoding, encode] of Object.entries(encoders)) {
    it(`decodes a ${encoding} body and drops the encoding headers`, async () => {
      const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': encoding, 'x-kind': 'feed' }).end(encode(Buffer.from(text))));
      const res = await client().request(`${server.origin}/`);
      assert.equal(res.body.toString(), text);
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(res.headers['content-length'], undefined);
      assert.equal(res.headers['x-kind'], 'feed');
    });
  }

  it('returns non-2xx statuses instead of throwing', async () => {
    const server = await serve((req, res) => res.writeHead(req.url === '/missing' ? 404 : 503, { 'retry-after': '5' }).end('nope'));
    const c = client();
    assert.equal((await c.request(`${server.origin}/missing`)).status, 404);
    const res = await c.request(`${server.origin}/down`);
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.body.toString(), 'nope');
  });

  it('sends a body with the given method and returns an empty body for HEAD', async () => {
    const server = await serve((req, res, body) => res.end(`${req.method}:${body}`));
    const c = client();
    assert.equal((await c.request(`${server.origin}/`, { method: 'put', body: Buffer.from('x=1') })).body.toString(), 'PUT:x=1');
    assert.equal((await c.request(`${server.origin}/`, { method: 'HEAD' })).body.length, 0);
  });
});
