import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a scripted site received: when, for what, with which headers. */
export interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** Answers one request; `n` counts the requests of that path, from 1. */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A local site whose every path a test answers by hand (status, headers, delays), counting requests host-wide. */
export interface ScriptedSite {
  url: string;
  route(path: string, handler: Handler, delayMs?: number): void;
  requests(path?: string): SeenRequest[];
  /** The most requests ever in flight at once, over all paths. */
  peak(): number;
  close(): Promise<void>;
}

/** Starts a scripted site on `host` (any 127/8 address; Linux routes all of it to loopback). */
export async function startScriptedSite(host = '127.0.0.1'): Promise<ScriptedSite> {
  const routes = new Map<string, { handler: Handler; delayMs: number }>();
  const seen: SeenRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    seen.push({ path, headers: req.headers, at: Date.now() });
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    const route = routes.get(path);
    const n = seen.filter((r) => r.path === path).length;
    const answer = () => {
      if (res.destroyed) return;
      if (!route) res.writeHead(404).end('not found');
      else route.handler(req, res, n);
    };
    if (route?.delayMs) setTimeout(answer, route.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    route: (path, handler, delayMs = 0) => {
      routes.set(path, { handler, delayMs });
    },
    requests: (path) => seen.filter((r) => path === undefined || r.path === path),
    peak: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler that always answers 200 with this body. */
export function ok(body: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => res.writeHead(200, { 'content-type': 'application/rss+xml', ...headers }).end(body);
}
