/**
 * The AWS-compatible API on the main port. A request signed with SigV4 goes to the adapter of
 * its credential scope's service: restJson1 services under their dated path prefixes,
 * awsJson ones as `POST /` with X-Amz-Target. Their routes read the body as bytes (the
 * signature covers them) and answer errors in the AWS shape of the service's protocol; the
 * native API's Bearer authentication and problem+json stay out of them. The caller becomes the
 * same Principal a Bearer key makes, so the use cases' tenancy applies unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Authenticator, principalOfKey, type Principal } from '../auth/index.ts';
import { HangarError, Internal, Throttled, Unavailable, type ApiKey, type Clock } from '../core/index.ts';
import { AwsError, COMMON_DOMAIN_ERRORS, COMMON_REFUSALS, kindOf, SignatureRefused } from './errors.ts';
import { accountIdOf } from './identity.ts';
import { sendError, sendReply } from './protocols.ts';
import { Protocol, type AwsService } from './service.ts';
import { awsServices, type ServicesContext } from './services.ts';
import { deriveSigningKey, isSigV4, scopeOf, verifySigV4, type SignedRequest, type SigV4Authorization } from './sigv4.ts';

export interface AwsContext extends ServicesContext {
  /** Checks keys; null when authentication is off (HANGAR_AUTH=none): requests are then taken unsigned, as admin. */
  auth: Authenticator | null;
  clock: Clock;
}

// HEAD comes with GET (fastify adds it).
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Everyone, when authentication is off (as the native API's NO_AUTH). */
const ANONYMOUS: Principal = { userId: null, scope: 'admin', keyId: null };

/** Registers the AWS routes of `services` (every adapter Hangar has, unless a test brings its own). */
export async function registerAws(app: FastifyInstance, ctx: AwsContext, services: AwsService[] = awsServices(ctx)): Promise<AwsEdge> {
  const edge = new AwsEdge(ctx, services);
  // A long poll in flight (GetActivityTask) ends when the server closes, not up to 60 s later.
  app.addHook('preClose', async () => edge.closing.abort());
  await app.register(async (scope) => {
    // The signature covers the body's bytes: no parser may change them first.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError, req, reply) => edge.answerError(err, req, reply));
    const handler = (req: FastifyRequest, reply: FastifyReply) => edge.dispatch(req, reply);
    // A service's own body limit applies to its paths only: the native routes keep theirs.
    for (const s of services)
      for (const prefix of s.pathPrefixes ?? [])
        scope.route({
          method: METHODS,
          url: `${prefix}*`,
          config: { aws: true },
          schema: { hide: true },
          handler,
          ...(s.bodyLimit ? { bodyLimit: s.bodyLimit } : {}),
        });
    // awsJson services share `POST /`: it takes the largest body any of them does.
    const jsonLimit = Math.max(0, ...services.filter((s) => s.targetPrefix !== undefined).map((s) => s.bodyLimit ?? 0));
    scope.route({
      method: 'POST',
      url: '/',
      config: { aws: true },
      schema: { hide: true },
      handler,
      ...(jsonLimit > 0 ? { bodyLimit: jsonLimit } : {}),
    });
  });
  return edge;
}

/** Dispatch and errors of the AWS routes (and of AWS-looking requests no route matched). */
export class AwsEdge {
  private readonly ctx: AwsContext;
  private readonly services: AwsService[];
  private readonly bySigningName: Map<string, AwsService>;
  /** The service each request went to, for the shape of its error. */
  private readonly chosen = new WeakMap<FastifyRequest, AwsService>();
  /** Aborted when the server closes: every call's `signal` follows it. */
  readonly closing = new AbortController();

  constructor(ctx: AwsContext, services: AwsService[]) {
    this.ctx = ctx;
    this.services = services;
    this.bySigningName = new Map(services.map((s) => [s.signingName, s]));
  }

  pathPrefixes(): string[] {
    return this.services.flatMap((s) => s.pathPrefixes ?? []);
  }

  async dispatch(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const closing = this.closing.signal;
    reply.header('x-amzn-requestid', randomUUID());
    const { rawPath, rawQuery } = splitUrl(req.url);
    const scope = scopeOf(req.headers);
    // Refused before its service is known, a request is answered in the shape of the service its
    // path or X-Amz-Target names (answerError looks it up then, not every request).
    const principal = await this.authenticate(req, rawPath, rawQuery);
    // Every later log line and the audit entry name the caller.
    req.principal = principal;
    if (principal.userId !== null) req.log = reply.log = req.log.child({ userId: principal.userId });
    const service = scope ? this.bySigningName.get(scope.service) : this.ownerOf(req);
    if (!service) {
      const speaks = this.services.map((s) => s.signingName).join(', ');
      throw new AwsError(
        'UnknownOperationException',
        400,
        `This Hangar speaks no AWS service '${scope?.service ?? '?'}' yet (it speaks: ${speaks}).`,
      );
    }
    this.chosen.set(req, service);
    let signal: AbortSignal | undefined;
    const result = await service.handle({
      // Made when an operation asks for it (a long poll): a signal, a listener and AbortSignal.any
      // per request were 1% of a warm Invoke's main thread, and Invoke does not ask.
      get signal() {
        signal ??= abortedWhenGone(reply, closing);
        return signal;
      },
      method: req.method,
      rawPath,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      caller: { principal, accountId: accountIdOf(principal.userId ?? ''), region: this.ctx.config.awsRegion },
      named: (operation, audited = true) => {
        req.auditAction = `${service.signingName}:${operation}`;
        req.audited = audited;
      },
    });
    // Answered while the server closes (a long poll it ended): the connection goes with it, or
    // the client's keep-alive holds the server open for its keep-alive timeout (72 s, measured).
    if (this.closing.signal.aborted) reply.header('connection', 'close');
    return sendReply(reply, service.protocol, result);
  }

  /** Whether a request no route matched is meant for the AWS API (signed, or naming an X-Amz-Target):
   *  then it is answered in AWS's shape. */
  claims(req: FastifyRequest): boolean {
    return isSigV4(req.headers, splitUrl(req.url).rawQuery) || req.headers['x-amz-target'] !== undefined;
  }

  /** A request for the AWS API that no route matched. */
  notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    return this.answerError(
      new AwsError('UnknownOperationException', 404, `Unknown operation: ${req.method} ${req.url.slice(0, 200)}`),
      req,
      reply,
    );
  }

  answerError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
    // Refused before dispatch (the rate limit, a body too large) still gets one.
    if (!reply.hasHeader('x-amzn-requestid')) reply.header('x-amzn-requestid', randomUUID());
    const scope = scopeOf(req.headers);
    const service = this.chosen.get(req) ?? this.ownerOf(req) ?? (scope ? this.bySigningName.get(scope.service) : undefined);
    const protocol = service ? service.protocol : req.headers['x-amz-target'] ? Protocol.AwsJson1_0 : Protocol.RestJson1;
    if (err instanceof SignatureRefused) {
      const n = service?.refusals?.[err.reason] ?? COMMON_REFUSALS[err.reason];
      return sendError(reply, protocol, new AwsError(n.type, n.status, err.message), { signature: true });
    }
    if (err instanceof AwsError) return sendError(reply, protocol, err, { signature: false });
    const fastifyCode = (err as FastifyError).code;
    const statusCode = (err as FastifyError).statusCode;
    let kind = err instanceof HangarError ? kindOf(err) : null;
    if (!kind && fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') kind = 'too-large';
    else if (!kind && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) kind = 'invalid';
    kind ??= 'internal';
    if (kind === 'internal') req.log.error({ err }, 'aws request failed');
    if ((err instanceof Throttled || err instanceof Unavailable) && err.retryAfter !== undefined)
      reply.header('retry-after', String(err.retryAfter));
    const byCode = err instanceof HangarError ? service?.errorCodes?.[err.code] : undefined;
    const n = byCode ?? service?.domainErrors?.[kind] ?? COMMON_DOMAIN_ERRORS[kind];
    const message = kind === 'internal' ? 'internal error; see the server log' : err.message;
    const fault = n.status >= 500 ? 'Service' : 'User';
    return sendError(reply, protocol, new AwsError(n.type, n.status, message, fault, byCode?.fields), { signature: false });
  }

  /** The service a request's path or X-Amz-Target belongs to, whatever its signature says. */
  private ownerOf(req: FastifyRequest): AwsService | undefined {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') return this.services.find((s) => s.targetPrefix && target.startsWith(`${s.targetPrefix}.`));
    const path = splitUrl(req.url).rawPath;
    return this.services.find((s) => s.pathPrefixes?.some((p) => path.startsWith(p)));
  }

  /** The caller, from the request's signature; SignatureRefused when it proves nobody. */
  private async authenticate(req: FastifyRequest, rawPath: string, rawQuery: string): Promise<Principal> {
    const auth = this.ctx.auth;
    if (!auth) return ANONYMOUS;
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    return (
      await signedBy(auth, this.ctx.clock, this.ctx.config.awsRegion, { method: req.method, rawPath, rawQuery, headers: req.headers, body })
    ).principal;
  }
}

/** Whose Hangar key signed a request (SigV4, verifySigV4): its principal and the signature's
 *  parts; SignatureRefused when it proves nobody. The AWS API and function URLs (AWS_IAM) both
 *  authenticate with it. */
export async function signedBy(
  auth: Authenticator,
  clock: Clock,
  region: string,
  req: SignedRequest,
): Promise<{ principal: Principal; signature: SigV4Authorization }> {
  // The key the signature named, as the verifier looked it up.
  let key = null as ApiKey | null;
  const signature = await verifySigV4(req, {
    now: clock.now(),
    region,
    secretOf: async (id) => {
      const found = await auth.credential(id);
      key = found?.key ?? null;
      if (!found) return null;
      const derive = found.derive;
      return {
        revoked: found.key.revokedAt !== null,
        signingKey: derive && ((d, r, s) => derive(`sigv4/${d}/${r}/${s}`, (secret) => deriveSigningKey(secret, d, r, s))),
      };
    },
  });
  if (!key) throw new Internal('a signature was accepted without its key');
  auth.used(key);
  return { principal: principalOfKey(key), signature };
}

/** A signal that aborts when the client goes away before its answer is sent, or `closing` does. */
function abortedWhenGone(reply: FastifyReply, closing: AbortSignal): AbortSignal {
  const gone = new AbortController();
  // Asked for after the client went: gone already.
  if (reply.raw.closed && !reply.raw.writableFinished) gone.abort();
  else
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
  return AbortSignal.any([gone.signal, closing]);
}

function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}
