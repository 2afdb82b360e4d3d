/**
 * Who is calling. Every route needs an API key (Authorization: Bearer) unless it is marked
 * public, or presigned and called with a signature; admin-only routes say so. What a caller may
 * touch once known is app/ownership.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.ts';
import { Forbidden, Internal } from '../core/errors.ts';
import type { ApiContext } from './context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every non-public route. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No key needed (health, API documents). */
    public?: boolean;
    /** Admin keys only; users get 403. */
    admin?: boolean;
    /** The AWS-compatible API's (src/aws): signed with SigV4 and authenticated there, not with a Bearer key. */
    aws?: boolean;
    /** Traffic Hangar serves for a user (a function URL's requests), not a call to Hangar's API:
     *  not written to the audit log, which a public URL's visitors would otherwise fill. */
    served?: boolean;
    /** A download that may carry its own signature (app/downloads.ts: Lambda's Code.Location
     *  and Content.Location): with `signature` in the query no key is asked for and the route
     *  checks the signature instead; without one, a key as on every other route. */
    presigned?: boolean;
  }
}

/** Everyone is an admin when authentication is off (HANGAR_AUTH=none). */
export const NO_AUTH: Principal = { userId: null, scope: 'admin', keyId: null };

/** `foreign`: requests no route matched that are another surface's to answer (an AWS-signed one's
 *  404 is AWS-shaped, not a Bearer challenge). */
export function registerAuthentication(
  app: FastifyInstance,
  ctx: ApiContext,
  foreign: (req: FastifyRequest) => boolean = () => false,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    const cfg = req.routeOptions.config;
    if (cfg.public || cfg.aws || req.url.startsWith('/docs') || (req.is404 && foreign(req))) return;
    if (cfg.presigned && presignedRequest(req)) return;
    req.principal = ctx.auth ? await ctx.auth.authenticate(req.headers.authorization) : NO_AUTH;
    // Every later log line of this request names its caller.
    if (req.principal.userId !== null) req.log = reply.log = req.log.child({ userId: req.principal.userId });
    if (cfg.admin && req.principal.scope !== 'admin') throw new Forbidden(`${req.method} ${req.routeOptions.url} is for admin keys only`);
  });
}

/** Whether a request comes with a presigned URL's signature (which its route then checks). */
export function presignedRequest(req: FastifyRequest): boolean {
  const query = req.query as Record<string, unknown> | undefined;
  return query?.signature !== undefined;
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Internal('route without an access check');
  return req.principal;
}
