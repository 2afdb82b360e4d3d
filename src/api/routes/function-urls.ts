/**
 * Function URLs served on the main port, in two forms that reach the same URL:
 *
 * - by path, `/lambda-url/<url-id>/<path>`: works with no DNS at all, on every API node and
 *   behind any proxy that forwards the API; the function sees `/<path>` as its rawPath;
 * - by host name, `<url-id>.lambda-url.<region>.<any domain>` (Lambda's own form, with a
 *   wildcard DNS record pointing at Hangar, HANGAR_FUNCTION_URL_DOMAIN): the request's URL is
 *   rewritten to the path form before routing (hostRewrite), so one route serves both.
 *
 * Not a separate port: a function URL is one more thing every API node answers, and the main
 * port is the one already exposed. The routes are public (no Bearer key): a NONE URL's policy
 * decides, an AWS_IAM URL checks a SigV4 signature (service `lambda`) here. The use case
 * (app/function-url.ts) does the rest; this file only reads the request and writes the answer.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_PAYLOAD_BYTES, serveFunctionUrl, type StreamedGatewayResponse, type UrlCaller } from '../../app/index.ts';
import { accountIdOf, SignatureRefused, signedBy } from '../../aws/index.ts';
import { URL_ID, type GatewayResponse } from '../../core/index.ts';
import type { ApiContext } from '../context.ts';

export const FUNCTION_URL_PREFIX = '/lambda-url/';

const HOST_FORM = /^([a-z0-9]{32})\.lambda-url\.[a-z0-9-]+\./;

/** Fastify's rewriteUrl: a request to `<url-id>.lambda-url.<region>.<domain>` goes to the path form. */
export function hostRewrite(host: string | undefined, url: string): string {
  const m = host === undefined ? null : HOST_FORM.exec(host.toLowerCase());
  return m ? `${FUNCTION_URL_PREFIX}${m[1]}${url.startsWith('/') ? url : `/${url}`}` : url;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function functionUrlRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.register(async (scope) => {
    // The body reaches the function as sent (text or base64), and a signature covers its bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const handler = (req: FastifyRequest, reply: FastifyReply) => serve(ctx, req, reply);
    for (const url of [`${FUNCTION_URL_PREFIX}:urlId`, `${FUNCTION_URL_PREFIX}:urlId/*`])
      scope.route({
        method: METHODS,
        url,
        config: { public: true, served: true },
        schema: { hide: true },
        bodyLimit: MAX_PAYLOAD_BYTES,
        handler,
      });
  });
}

async function serve(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const urlId = (req.params as { urlId: string }).urlId;
  reply.header('x-amzn-requestid', randomUUID());
  if (!URL_ID.test(urlId))
    return write(reply, { statusCode: 404, headers: [['content-type', 'application/json']], body: Buffer.from('{"Message":"Not Found"}') });
  // As sent: the host form's original URL, or the path form's.
  const original = req.originalUrl;
  const q = original.indexOf('?');
  const sentPath = q < 0 ? original : original.slice(0, q);
  const rawQuery = q < 0 ? '' : original.slice(q + 1);
  const byPath = sentPath.startsWith(`${FUNCTION_URL_PREFIX}${urlId}`);
  const rawPath = byPath ? sentPath.slice(FUNCTION_URL_PREFIX.length + urlId.length) || '/' : sentPath;
  const hostName = (req.headers.host ?? '').replace(/:\d+$/, '');
  const domain = (ctx.config.functionUrlDomain ?? 'localhost').replace(/:\d+$/, '');
  const body = Buffer.isBuffer(req.body) ? req.body : null;
  const raw = req.raw.rawHeaders;
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i] as string, raw[i + 1] as string]);
  const answer = await serveFunctionUrl(ctx, {
    urlId,
    request: {
      method: req.method,
      rawPath,
      rawQueryString: rawQuery,
      headers,
      body,
      protocol: `HTTP/${req.raw.httpVersion}`,
      sourceIp: req.ip,
      requestId: String(reply.getHeader('x-amzn-requestid')),
      timeEpoch: ctx.clock.now(),
    },
    domainName: byPath ? `${urlId}.lambda-url.${ctx.config.awsRegion}.${domain}` : hostName,
    accountIdOf,
    authenticate: () => authenticate(ctx, req, sentPath, rawQuery, body),
  });
  return write(reply, answer);
}

/** An AWS_IAM URL's caller: the key that signed the request for `lambda`, or anonymous. */
async function authenticate(
  ctx: ApiContext,
  req: FastifyRequest,
  rawPath: string,
  rawQuery: string,
  body: Buffer | null,
): Promise<{ caller: UrlCaller; iam?: Record<string, string> }> {
  if (!ctx.auth) return { caller: { kind: 'owner' } };
  try {
    const { principal, signature } = await signedBy(ctx.auth, ctx.clock, ctx.config.awsRegion, {
      method: req.method,
      rawPath,
      rawQuery,
      headers: req.headers,
      body: body ?? undefined,
    });
    if (signature.service !== 'lambda' || principal.userId === null) return { caller: { kind: 'anonymous' } };
    req.principal = principal;
    const accountId = accountIdOf(principal.userId);
    return {
      caller: { kind: 'user', userId: principal.userId },
      iam: {
        accessKey: signature.accessKeyId,
        accountId,
        callerId: principal.userId,
        userArn: `arn:aws:iam::${accountId}:user/${principal.userId}`,
        userId: principal.userId,
      },
    };
  } catch (err) {
    if (err instanceof SignatureRefused) {
      req.log.info({ reason: err.reason }, 'function url signature refused');
      return { caller: { kind: 'anonymous' } };
    }
    throw err;
  }
}

/** A streamed answer goes chunked as its body comes; cut short when the function fails mid-way. */
function write(reply: FastifyReply, r: GatewayResponse | StreamedGatewayResponse): FastifyReply {
  reply.code(r.statusCode);
  const grouped = new Map<string, string[]>();
  for (const [name, value] of r.headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped) reply.header(name, values.length === 1 ? values[0] : values);
  return reply.send('stream' in r ? r.stream : Buffer.from(r.body));
}
