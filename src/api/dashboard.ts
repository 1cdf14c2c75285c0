import { fileURLToPath } from 'node:url';
import type { FastifyError, FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where the dashboard's static files live: plain HTML, CSS and ES modules, served as they are. */
const UI_ROOT = fileURLToPath(new URL('./ui/', import.meta.url));

/**
 * The dashboard: `/` is its one page and `/ui/…` its assets, all served without a key. The page is
 * just another client of the public JSON API (every call it makes carries the signed-in key), so
 * tenancy stays where it is enforced today. Nothing here shadows an API path: unknown `/ui/…` files
 * get a 404 in the error envelope, and every other path keeps its auth-then-404/422 behaviour.
 */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  // A directory under /ui/ (the static plugin's 403) is as absent as a missing file: the usual
  // not-found path (auth, then 404), never the envelope's 422 for a malformed request.
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    if (err.statusCode === 403 || err.statusCode === 404) {
      reply.callNotFound();
      return;
    }
    throw err;
  });
  await app.register(fastifyStatic, {
    root: UI_ROOT,
    prefix: '/ui/',
    index: false,
    list: false,
    wildcard: true,
    schemaHide: true,
    // A stale module after an upgrade would mix two versions of the page: revalidate every time.
    cacheControl: true,
    maxAge: 0,
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-security-policy', CSP);
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
}

/** The page loads only its own files and talks only to its own origin. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
