/**
 * Where HTTP APIs are served, on the main port of every API node, in two forms:
 * - by Host, as AWS's URLs are: `http://{apiId}.execute-api.{anything}[:port]/path` (a DNS name
 *   or /etc/hosts entry pointing there; the path is the route's path, so clients written for
 *   `https://{apiId}.execute-api.{region}.amazonaws.com/path` change only the host);
 * - by prefix, which needs no DNS: `http://hangar:8080/http/{apiId}/path`.
 * A Host-form request is rewritten to the prefix form as it arrives (rewriteHostForm, given to
 * Fastify's rewriteUrl), so one route serves both; the function sees the path after the prefix.
 *
 * The body reaches the gateway as bytes, whatever its type (API Gateway's 10 MB limit); the
 * answers, errors included, are API Gateway's, not Hangar's problem+json, and are neither
 * audited nor counted by Hangar's own rate limit (the API's throttle governs them).
 */
import { type IncomingMessage, validateHeaderName, validateHeaderValue } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type DomainIndex,
  gatewayRequestId,
  HTTP_API_PREFIX,
  type HttpGateway,
  type MappedRequest,
  MAX_REQUEST_BYTES,
} from '../../app/index.ts';
import { API_ID, chooseMapping, type GatewayRequest, type GatewayResponse, jsonAnswer } from '../../core/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An HTTP API's request (the gateway's): not audited, not rate-limited as Hangar's API. */
    gateway?: boolean;
  }
}

export const GATEWAY_PREFIX = HTTP_API_PREFIX;

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
/** `{apiId}.execute-api.` first in the Host header, as in AWS's default endpoint. */
const HOST_FORM = /^([a-z0-9]{10})\.execute-api\.[^:/]+(?::\d+)?$/;

/** The apiId of a Host-form request, or null. */
function hostFormApi(host: string | undefined): string | null {
  return host === undefined ? null : (HOST_FORM.exec(host.toLowerCase())?.[1] ?? null);
}

/** Fastify's rewriteUrl: a Host-form request goes to the prefix form's route. */
export function rewriteHostForm(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const apiId = hostFormApi(req.headers.host);
  return apiId === null ? url : `${GATEWAY_PREFIX}/${apiId}${url.startsWith('/') ? url : `/${url}`}`;
}

/** What rewriteCustomDomain decided for a request to a custom domain name, kept on the request. */
const MAPPED = Symbol('hangar.customDomain');
type Mapped = MappedRequest & { domainName: string };

/**
 * Fastify's rewriteUrl: a request whose Host (port and case aside) is a custom domain name goes
 * to the prefix form of the API its mapping for the path names (core chooseMapping); none maps
 * it: to the gateway's 404. A Host that is none (the prefix and execute-api forms, Hangar's own
 * API) costs a comparison with the last such Host or a Map lookup in memory, never a read of
 * the store.
 */
export function rewriteCustomDomain(req: IncomingMessage, domains: DomainIndex): string {
  const url = req.url ?? '/';
  const host = req.headers.host;
  const domain = host === undefined ? undefined : domains.forHost(host);
  if (!domain) return url;
  const path = url.startsWith('/') ? url : `/${url}`;
  const q = path.indexOf('?');
  const chosen = chooseMapping(domain.mappings, q < 0 ? path : path.slice(0, q));
  if (!chosen) return `${GATEWAY_PREFIX}/-${path}`;
  (req as IncomingMessage & { [MAPPED]?: Mapped })[MAPPED] = {
    domainName: domain.domainName,
    stage: chosen.mapping.stage,
    path: chosen.path,
    rawPath: chosen.rest,
  };
  return `${GATEWAY_PREFIX}/${chosen.mapping.apiId}${path}`;
}

export async function gatewayRoutes(app: FastifyInstance, gateway: HttpGateway): Promise<void> {
  await app.register(async (scope) => {
    // The function gets the body's bytes (base64 unless text): no parser may change them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode ?? 500;
      if (status === 413) return sendGatewayResponse(reply, jsonAnswer(413, { message: 'Request Entity Too Large' }));
      if (status >= 400 && status < 500) return sendGatewayResponse(reply, jsonAnswer(400, { message: 'Bad Request' }));
      req.log.error({ err }, 'http api request failed');
      return sendGatewayResponse(reply, jsonAnswer(500, { message: 'Internal Server Error' }));
    });
    const handler = async (req: FastifyRequest<{ Params: { apiId: string } }>, reply: FastifyReply) => {
      const { apiId } = req.params;
      const requestId = gatewayRequestId();
      reply.header('apigw-requestid', requestId);
      if (!API_ID.test(apiId)) return sendGatewayResponse(reply, jsonAnswer(404, { message: 'Not Found' }));
      const url = req.url.slice(GATEWAY_PREFIX.length + 1 + apiId.length);
      const q = url.indexOf('?');
      const rawPath = (q < 0 ? url : url.slice(0, q)) || '/';
      const host = req.headers.host;
      // Through a custom domain: its name, the mapping's stage and the path after its key.
      const mapped = (req.raw as IncomingMessage & { [MAPPED]?: Mapped })[MAPPED];
      // The event's domainName: the Host it came to, or for the prefix form the name the Host
      // form would have, so domainPrefix is the API's id either way.
      const domainName =
        mapped?.domainName ??
        (hostFormApi(host) === apiId ? String(host).split(':')[0]! : `${apiId}.execute-api.${(host ?? 'localhost').split(':')[0]}`);
      const answer = await gateway.serve(
        apiId,
        domainName,
        gatewayRequest(req, { rawPath, rawQueryString: q < 0 ? '' : url.slice(q + 1), requestId }),
        mapped,
      );
      return sendGatewayResponse(reply, answer);
    };
    for (const url of [`${GATEWAY_PREFIX}/:apiId`, `${GATEWAY_PREFIX}/:apiId/*`])
      scope.route({
        method: METHODS,
        url,
        bodyLimit: MAX_REQUEST_BYTES,
        config: { public: true, gateway: true, rateLimit: false },
        schema: { hide: true },
        handler,
      });
  });
}

/**
 * The request as the gateway takes it (GatewayRequest). As API Gateway, the gateway tells the
 * function where the request came from in X-Forwarded-For, -Port and -Proto, unless a proxy in
 * front of Hangar already did. Shared with function URLs, which take requests the same way.
 */
export function gatewayRequest(req: FastifyRequest, at: { rawPath: string; rawQueryString: string; requestId: string }): GatewayRequest {
  const raw = req.raw.rawHeaders;
  const headers: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    headers.push([raw[i]!, raw[i + 1]!]);
    seen.add(raw[i]!.toLowerCase());
  }
  // Named as API Gateway names them: a 1.0 event keeps header names' case (2.0 lower-cases all).
  if (!seen.has('x-forwarded-for')) headers.push(['X-Forwarded-For', req.ip]);
  if (!seen.has('x-forwarded-port')) headers.push(['X-Forwarded-Port', String(req.socket.localPort ?? '')]);
  if (!seen.has('x-forwarded-proto')) headers.push(['X-Forwarded-Proto', req.protocol]);
  return {
    method: req.method,
    rawPath: at.rawPath,
    rawQueryString: at.rawQueryString,
    headers,
    body: Buffer.isBuffer(req.body) ? req.body : null,
    protocol: `HTTP/${req.raw.httpVersion}`,
    sourceIp: req.ip,
    requestId: at.requestId,
    timeEpoch: Date.now(),
  };
}

function repeatedBefore(headers: ReadonlyArray<readonly [string, string]>, at: number): boolean {
  const name = (headers[at] as readonly [string, string])[0];
  for (let j = 0; j < at; j++) if ((headers[j] as readonly [string, string])[0] === name) return true;
  return false;
}

function withValue(had: unknown, value: string): string[] {
  return [...(Array.isArray(had) ? had.map(String) : had === undefined ? [] : [String(had)]), value];
}

/** Sends the gateway's answer (shared with function URLs). */
export function sendGatewayResponse(reply: FastifyReply, r: GatewayResponse): FastifyReply {
  // A header the function made that HTTP cannot carry (a newline in a value): the answer cannot
  // be sent as given, so it is the integration's failure, not a half-written response.
  try {
    for (const [name, value] of r.headers) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    }
  } catch {
    return sendGatewayResponse(reply, jsonAnswer(500, { message: 'Internal Server Error' }));
  }
  reply.code(r.statusCode);
  const cookies: string[] = [];
  const headers = r.headers;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i] as [string, string];
    if (name === 'set-cookie') cookies.push(value);
    else if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection')
      // A name the answer gave before (1.0's multiValueHeaders) is sent once per value, not
      // replaced by its last; answers have a handful of headers, so the look back is short.
      reply.header(name, repeatedBefore(headers, i) ? withValue(reply.getHeader(name), value) : value);
  }
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  return reply.send(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
}
