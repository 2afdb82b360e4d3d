/**
 * The dashboard (issue 7, /ui/) and the browser terminal (issue 6, /ui/terminal): pages, their
 * scripts and styles, and xterm.js served by Hangar itself from the installed @xterm/xterm
 * package (no CDN). Static and public: the pages ask for an API key and use the API like any
 * client.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const HERE = dirname(fileURLToPath(import.meta.url));
const XTERM = join(dirname(createRequire(import.meta.url).resolve('@xterm/xterm')), '..');

/** Only this origin's scripts, styles (xterm sets inline styles) and sockets. */
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'";

export function uiRoutes(app: FastifyInstance): void {
  const files: [string, string, Buffer][] = [
    ['/ui/terminal', 'text/html; charset=utf-8', readFileSync(join(HERE, '../ui/terminal.html'))],
    ['/ui/terminal.js', 'text/javascript; charset=utf-8', readFileSync(join(HERE, '../ui/terminal.js'))],
    ['/ui/', 'text/html; charset=utf-8', readFileSync(join(HERE, '../ui/dashboard.html'))],
    ['/ui/dashboard.js', 'text/javascript; charset=utf-8', readFileSync(join(HERE, '../ui/dashboard.js'))],
    ['/ui/http-apis.js', 'text/javascript; charset=utf-8', readFileSync(join(HERE, '../ui/http-apis.js'))],
    ['/ui/workflows.js', 'text/javascript; charset=utf-8', readFileSync(join(HERE, '../ui/workflows.js'))],
    ['/ui/workflow-graph.js', 'text/javascript; charset=utf-8', readFileSync(join(HERE, '../ui/workflow-graph.js'))],
    ['/ui/dashboard.css', 'text/css; charset=utf-8', readFileSync(join(HERE, '../ui/dashboard.css'))],
    ['/ui/assets/xterm.js', 'text/javascript; charset=utf-8', readFileSync(join(XTERM, 'lib/xterm.js'))],
    ['/ui/assets/xterm.css', 'text/css; charset=utf-8', readFileSync(join(XTERM, 'css/xterm.css'))],
  ];
  for (const [path, type, body] of files) {
    app.get(path, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply
        .type(type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
  app.get('/ui', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/'));
}
