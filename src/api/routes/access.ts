/** /keys (admin), /me, /secrets (the caller's own) and /audit (admin). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createKey } from '../../auth/index.ts';
import { deleteSecret, putSecret, revokeKey, secretOwner } from '../../app/index.ts';
import type { ApiKey, AuditEntry, SecretRecord } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { Problem, UserId } from '../schemas.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const KeyView = z.object({
  keyId: z.string(),
  prefix: z.string().describe('The first characters of the key, to tell keys apart.'),
  userId: z.string(),
  scope: z.enum(['user', 'admin']),
  name: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable().describe('Within a minute.'),
});
const keyView = (k: ApiKey) => ({
  keyId: k.id,
  prefix: k.prefix,
  userId: k.userId,
  scope: k.scope,
  name: k.name,
  createdAt: new Date(k.createdAt).toISOString(),
  revokedAt: iso(k.revokedAt),
  lastUsedAt: iso(k.lastUsedAt),
});

/** Secret names are environment variable names: the task sees the secret under its name. */
export const SecretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'secret names are environment variable names: [A-Za-z_][A-Za-z0-9_]* (≤ 128)');
const SecretView = z.object({ name: z.string(), createdAt: z.string(), updatedAt: z.string() });
const secretView = (s: SecretRecord) => ({
  name: s.name,
  createdAt: new Date(s.createdAt).toISOString(),
  updatedAt: new Date(s.updatedAt).toISOString(),
});

const AuditView = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string().nullable(),
  keyId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  source: z.string().nullable(),
  outcome: z.string(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
const auditView = (e: AuditEntry) => ({ ...e, at: new Date(e.at).toISOString() });

const KeyParams = z.strictObject({ id: z.uuid('key ids are UUIDs') });
const SecretParams = z.strictObject({ name: SecretName });

export function accessRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // 400, 401, 403 (admin routes), 413, 415 and 429 are added where they can happen (app.ts).

  r.get(
    '/me',
    {
      schema: {
        summary: 'Who the key belongs to',
        tags: ['access'],
        response: {
          200: z.object({
            userId: z.string().nullable(),
            scope: z.enum(['user', 'admin']),
            keyId: z.string().nullable(),
            authentication: z.enum(['keys', 'none']),
          }),
        },
      },
    },
    async (req) => ({ ...principalOf(req), authentication: ctx.auth ? ('keys' as const) : ('none' as const) }),
  );

  r.post(
    '/keys',
    {
      config: { admin: true },
      schema: {
        summary: 'Create an API key (admin). The key is in this response only.',
        tags: ['access'],
        body: z.strictObject({
          userId: UserId,
          scope: z.enum(['user', 'admin']).default('user'),
          name: z.string().min(1).max(128).optional(),
        }),
        response: {
          201: KeyView.extend({
            key: z
              .string()
              .describe(
                'The API key. Shown once: kept as its hash, and sealed under the secrets master key for AWS signatures (as the secret access key, with `keyId` as the access key id).',
              ),
          }),
        },
      },
    },
    async (req, reply) => {
      const { raw, record } = await createKey(ctx.store, ctx.secrets, req.body.userId, req.body.scope, req.body.name ?? null);
      req.auditTarget = record.id;
      return reply.code(201).send({ ...keyView(record), key: raw });
    },
  );

  r.get(
    '/keys',
    {
      config: { admin: true },
      schema: {
        summary: 'List API keys (admin); never the keys themselves',
        tags: ['access'],
        querystring: z.strictObject({ userId: UserId.optional() }),
        response: { 200: z.object({ keys: z.array(KeyView) }) },
      },
    },
    async (req) => ({ keys: (await ctx.store.listKeys({ userId: req.query.userId })).map(keyView) }),
  );

  r.delete(
    '/keys/:id',
    {
      config: { admin: true },
      schema: {
        summary: 'Revoke an API key (admin): refused from the next request on',
        tags: ['access'],
        params: KeyParams,
        response: { 200: KeyView, 404: Problem },
      },
    },
    async (req) => keyView(await revokeKey(ctx.store, req.params.id)),
  );

  r.put(
    '/secrets/:name',
    {
      schema: {
        summary: "Create or replace one of the caller's secrets (encrypted at rest; never returned)",
        tags: ['access'],
        params: SecretParams,
        body: z.strictObject({ value: z.string().min(1).max(65_536) }),
        response: { 200: SecretView, 201: SecretView },
      },
    },
    async (req, reply) => {
      const { secret, created } = await putSecret(ctx, secretOwner(principalOf(req)), req.params.name, req.body.value);
      return reply.code(created ? 201 : 200).send(secretView(secret));
    },
  );

  r.get(
    '/secrets',
    {
      schema: {
        summary: "The caller's secrets: names and times, never values",
        tags: ['access'],
        response: { 200: z.object({ secrets: z.array(SecretView) }) },
      },
    },
    async (req) => ({ secrets: (await ctx.store.secretsOf(secretOwner(principalOf(req)))).map(secretView) }),
  );

  r.delete(
    '/secrets/:name',
    {
      schema: {
        summary: "Delete one of the caller's secrets",
        tags: ['access'],
        params: SecretParams,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 404: Problem },
      },
    },
    async (req) => {
      await deleteSecret(ctx.store, secretOwner(principalOf(req)), req.params.name);
      return { name: req.params.name, deleted: true as const };
    },
  );

  r.get(
    '/audit',
    {
      config: { admin: true },
      schema: {
        summary: 'The audit log (admin): every changing API call and every execution, newest first',
        tags: ['access'],
        querystring: z.strictObject({
          actor: UserId.optional(),
          action: z.string().min(1).max(200).optional().describe('e.g. `POST /tasks`, `DELETE /keys/:id`, `task.execute`'),
          target: z.string().min(1).max(200).optional(),
          since: z.iso.datetime().optional(),
          until: z.iso.datetime().optional(),
          cursor: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ entries: z.array(AuditView), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => {
      const q = req.query;
      await ctx.audit.flush();
      const page = await ctx.store.queryAudit({
        actor: q.actor,
        action: q.action,
        target: q.target,
        since: q.since ? Date.parse(q.since) : undefined,
        until: q.until ? Date.parse(q.until) : undefined,
        after: q.cursor,
        limit: q.limit,
      });
      return { entries: page.items.map(auditView), nextCursor: page.nextCursor };
    },
  );
}
