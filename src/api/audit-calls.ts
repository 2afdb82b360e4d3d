/** The audit log of the API: every changing call that was answered, with its caller and outcome. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The object a changing call acted on, for the audit log (when the URL has no id). */
    auditTarget: string | null;
    /** What the call did, when its route does not say (an AWS operation: `lambda:CreateFunction`). */
    auditAction: string | null;
    /** false: not audited (an invocation: data, not a change; its record is kept elsewhere). */
    audited: boolean;
  }
  interface FastifyContextConfig {
    /** false: the route's calls are not audited (invocations: see registerAudit). */
    audited?: false;
  }
}

export function registerAudit(app: FastifyInstance, ctx: ApiContext): void {
  app.decorateRequest('auditTarget', null);
  app.decorateRequest('auditAction', null);
  app.decorateRequest('audited', true);
  // Before the response goes out (onSend, with its final status): a call that was answered is
  // audited.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.routeOptions.config?.served) return payload;
    // An HTTP API's traffic is its owner's users', not a call on Hangar's API.
    if (req.routeOptions.config.gateway) return payload;
    // Invocations are data, as CloudTrail's opt-in data events: each is an invocation record
    // (GET /functions/{name}/invocations), and an audit write per invocation would be a durable
    // write (an fsync) on every invoke's answer.
    if (!req.audited || req.routeOptions.config.audited === false) return payload;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const target = req.auditTarget ?? (typeof params.id === 'string' ? params.id : typeof params.name === 'string' ? params.name : null);
    await ctx.audit.write({
      at: ctx.clock.now(),
      actor: req.principal?.userId ?? null,
      keyId: req.principal?.keyId ?? null,
      action: req.auditAction ?? `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0].slice(0, 200)}`,
      target,
      source: req.ip,
      outcome: String(reply.statusCode),
      detail: null,
    });
    return payload;
  });
}
