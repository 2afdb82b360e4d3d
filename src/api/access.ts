/**
 * Who may call what. Every route needs an API key (Authorization: Bearer) unless it is marked
 * public; admin-only routes say so. Ownership: a user sees and changes only their own objects,
 * and a foreign id is answered exactly as a missing one (404), so ids cannot be probed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.ts';
import { ErrorCode, HangarError } from '../errors/index.ts';
import type { Task } from '../store/index.ts';
import type { ApiContext } from './context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access hook on every non-public route. */
    principal: Principal | null;
    /** The object a changing call acted on, for the audit log (when the URL has no id). */
    auditTarget: string | null;
  }
  interface FastifyContextConfig {
    /** No key needed (health, API documents). */
    public?: boolean;
    /** Admin keys only; users get 403. */
    admin?: boolean;
  }
}

/** Everyone is an admin when authentication is off (HANGAR_AUTH=none). */
export const NO_AUTH: Principal = { userId: null, scope: 'admin', keyId: null };

export function registerAccess(app: FastifyInstance, ctx: ApiContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('auditTarget', null);
  app.addHook('onRequest', async (req, reply) => {
    const cfg = req.routeOptions.config;
    if (cfg.public || req.url.startsWith('/docs')) return;
    req.principal = ctx.auth ? await ctx.auth.authenticate(req.headers.authorization) : NO_AUTH;
    // Every later log line of this request names its caller.
    if (req.principal.userId !== null) req.log = reply.log = req.log.child({ userId: req.principal.userId });
    if (cfg.admin && req.principal.scope !== 'admin') {
      throw new HangarError(ErrorCode.Forbidden, `${req.method} ${req.routeOptions.url} is for admin keys only`, 403);
    }
  });
  // Before the response goes out (onSend, with its final status): a call that was answered is
  // audited.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return payload;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const target = req.auditTarget ?? (typeof params.id === 'string' ? params.id : typeof params.name === 'string' ? params.name : null);
    await ctx.audit.write({
      at: ctx.clock.now(),
      actor: req.principal?.userId ?? null,
      keyId: req.principal?.keyId ?? null,
      action: `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0].slice(0, 200)}`,
      target,
      source: req.ip,
      outcome: String(reply.statusCode),
      detail: null,
    });
    return payload;
  });
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new HangarError(ErrorCode.Internal, 'route without an access check', 500);
  return req.principal;
}

/** The user whose objects a list shows: the caller's own, or for an admin, any (undefined) or the one asked for. */
export function listScope(req: FastifyRequest, asked: string | undefined): string | undefined {
  const p = principalOf(req);
  if (p.scope === 'admin') return asked;
  if (asked !== undefined && asked !== p.userId) {
    throw new HangarError(ErrorCode.Forbidden, "a user key lists only its own user's objects", 403);
  }
  return p.userId ?? undefined;
}

/** May the caller see this task? Admins see all; users their own. */
export function owns(req: FastifyRequest, t: Task): boolean {
  return mayAccess(principalOf(req), t);
}

/** As owns, for a caller known otherwise (a WebSocket's authenticated principal). */
export function mayAccess(p: Principal, t: Task): boolean {
  return p.scope === 'admin' || (p.userId !== null && t.userId === p.userId);
}

/** The task, if the caller may see it; otherwise the same 404 as for an id that does not exist. */
export async function mustGetOwned(ctx: ApiContext, req: FastifyRequest, id: string): Promise<Task> {
  const t = await ctx.store.get(id);
  if (!t || !owns(req, t)) throw new HangarError(ErrorCode.TaskNotFound, `task ${id} not found`, 404);
  return t;
}

/** The user a secret call acts for. */
export function secretOwner(req: FastifyRequest): string {
  const p = principalOf(req);
  if (p.userId === null) throw new HangarError(ErrorCode.ValidationFailed, 'secrets belong to a user: use an API key (authentication is off)', 400);
  return p.userId;
}
