/**
 * The event an HTTP API sends a function: API Gateway's payload format 2.0 (also what a Lambda
 * function URL sends). Everything that depends on the request or the moment (request id, time,
 * source address) comes in, so the same request always gives the same event.
 *
 * As AWS builds it: header names lower-cased, a repeated header's values joined with commas;
 * cookies taken out of the headers into `cookies`, one entry per cookie; query parameters decoded,
 * a repeated one's values joined with commas; fields with nothing to say (cookies, query, path
 * parameters, stage variables, body) left out rather than sent empty.
 */

/** One request as the gateway received it. Headers keep their order and repetitions. */
export interface GatewayRequest {
  method: string;
  /** The path as sent, without the query. */
  rawPath: string;
  /** After the `?`, as sent; '' when there is none. */
  rawQueryString: string;
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** null or empty: no body. */
  body: Uint8Array | null;
  /** `HTTP/1.1`. */
  protocol: string;
  sourceIp: string;
  requestId: string;
  /** ms since the epoch, when the gateway received the request. */
  timeEpoch: number;
}

/** What the API and the chosen route add. */
export interface EventContext {
  accountId: string;
  apiId: string;
  /** The host the API answered on; its first label is the domainPrefix. */
  domainName: string;
  /** `$default` unless the API has named stages. */
  stage: string;
  routeKey: string;
  pathParameters?: Record<string, string> | undefined;
  stageVariables?: Record<string, string> | undefined;
  /** What the route's authorizer established (`{ jwt: { claims, scopes } }`); absent on an open route. */
  authorizer?: Record<string, unknown> | undefined;
  /** Through a custom domain's API mapping: the path after its key as sent ('' for the key
   *  alone), which payload 2.0 gives as rawPath — API Gateway's rawPath "won't provide the API
   *  mapping value" — and so requestContext.http.path; 1.0's `path` keeps the key. */
  mappedRawPath?: string | undefined;
}

/** What both payload formats' requestContext say alike. */
export interface RequestContextCommon {
  accountId: string;
  apiId: string;
  authorizer?: Record<string, unknown>;
  domainName: string;
  domainPrefix: string;
  requestId: string;
  stage: string;
}

export interface HttpApiEventV2 {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  requestContext: RequestContextCommon & {
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    routeKey: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** One for every event: without `stream`, decode() keeps no state between calls. */
const decoder = new TextDecoder();

export function buildEventV2(req: GatewayRequest, ctx: EventContext): HttpApiEventV2 {
  const joined = new Map<string, string>();
  const cookies: string[] = [];
  for (const [rawName, value] of req.headers) {
    const name = rawName.toLowerCase();
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim() !== '') cookies.push(c.trim());
      continue;
    }
    appendJoined(joined, name, value);
  }
  // fromEntries defines own properties, so a header named __proto__ or toString is only data.
  const headers: Record<string, string> = Object.fromEntries(joined);
  const query = joinRepeated(req.rawQueryString);
  const hasBody = req.body !== null && req.body.length > 0;
  const binary = hasBody && !isTextContentType(joined.get('content-type'));
  const rawPath = ctx.mappedRawPath ?? req.rawPath;
  const event: HttpApiEventV2 = {
    version: '2.0',
    routeKey: ctx.routeKey,
    rawPath,
    rawQueryString: req.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(ctx.pathParameters ? { pathParameters: ctx.pathParameters } : {}),
    ...(ctx.stageVariables && Object.keys(ctx.stageVariables).length > 0 ? { stageVariables: ctx.stageVariables } : {}),
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      ...(ctx.authorizer ? { authorizer: ctx.authorizer } : {}),
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split('.')[0] as string,
      http: {
        method: req.method.toUpperCase(),
        path: decodePath(rawPath),
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: joined.get('user-agent') ?? '',
      },
      requestId: req.requestId,
      routeKey: ctx.routeKey,
      stage: ctx.stage,
      time: clfTime(req.timeEpoch),
      timeEpoch: req.timeEpoch,
    },
    isBase64Encoded: binary,
  };
  if (hasBody) event.body = bodyText(req.body as Uint8Array, binary);
  return event;
}

/** A request body as an event carries it: base64 when `binary`, else the UTF-8 text. */
export function bodyText(body: Uint8Array, binary: boolean): string {
  return binary ? Buffer.from(body).toString('base64') : decoder.decode(body);
}

/**
 * Which bodies reach the function as text. AWS does not list them; a comparison against real
 * HTTP APIs (payload 2.0), reported publicly, found text only for text/* and application/json,
 * application/xml and application/javascript — a missing content type and even
 * application/x-www-form-urlencoded arrive base64-encoded. Parameters (`; charset=`) do not count.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json' || type === 'application/xml' || type === 'application/javascript';
}

/** `a=1&a=2&b=x%20y` → { a: '1,2', b: 'x y' }; undefined when there is no parameter. */
function joinRepeated(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === '') return undefined;
  const out = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQuery)) appendJoined(out, name, value);
  return out.size > 0 ? Object.fromEntries(out) : undefined;
}

function appendJoined(into: Map<string, string>, name: string, value: string): void {
  const before = into.get(name);
  into.set(name, before === undefined ? value : `${before},${value}`);
}

/** The path decoded (`%20` → space), or as sent when it is not valid percent-encoding. */
export function decodePath(rawPath: string): string {
  try {
    return decodeURI(rawPath);
  } catch {
    return rawPath;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** requestContext.time: the Common Log Format date AWS uses, in UTC (`12/Mar/2020:19:03:58 +0000`). */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}
