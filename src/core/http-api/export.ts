/**
 * An HTTP API as an OpenAPI 3.0 document, as API Gateway's ExportApi writes one (OAS30,
 * x-amazon-apigateway-importexport-version 1.0): a path per route path, an operation per method
 * (`x-amazon-apigateway-any-method` for ANY, the path `$default` for the default route), each
 * with its Lambda proxy integration (`x-amazon-apigateway-integration`, with the route's payload format version) and the
 * JWT or Lambda (type request) authorizer it uses as a security requirement; the authorizers as security schemes
 * (`x-amazon-apigateway-authorizer`), CORS as `x-amazon-apigateway-cors`, tags as
 * `x-amazon-apigateway-tag-value`. Without extensions, every `x-amazon-apigateway-*` member is
 * left out. A route made natively with its own JWT or Lambda auth gets a scheme of its own
 * (`jwt-` or `lambda-` and its route's position); one with Hangar's key auth the apiKey scheme `hangarApiKey`.
 */
import type { TagMap } from '../tags.ts';
import { parseRouteKey } from './route-key.ts';
import type { HttpApi, HttpRoute, LambdaAuth } from './types.ts';

export interface OpenApiExportOptions {
  /** Where the API is served (servers[0].url without its basePath). */
  endpoint: string;
  /** The integration URI of a route's function (an `arn:aws:apigateway:...:lambda:path/...` URI). */
  integrationUri: (functionName: string, qualifier: string | null) => string;
  tags: TagMap;
  extensions: boolean;
}

const IDENTITY_SOURCE = '$request.header.Authorization';
const EXT = 'x-amazon-apigateway-';

/** info.version: API Gateway writes the export's time when the API has no version of its own;
 *  Hangar writes the API's last change, so an unchanged API exports the same document. */
const versionOf = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}UTC`;

export function exportOpenApi(api: HttpApi, routes: readonly HttpRoute[], o: OpenApiExportOptions): Record<string, unknown> {
  const schemes: Record<string, Record<string, unknown>> = {};
  const jwtScheme = (issuer: string, audience: string[]) => ({
    type: 'oauth2',
    flows: {},
    [`${EXT}authorizer`]: { identitySource: IDENTITY_SOURCE, jwtConfiguration: { audience, issuer }, type: 'jwt' },
  });
  const lambdaScheme = (a: LambdaAuth) => ({
    type: 'apiKey',
    name: 'Unused',
    in: 'header',
    [`${EXT}authorizer`]: {
      type: 'request',
      identitySource: a.identitySource.join(', '),
      authorizerUri: o.integrationUri(a.functionName, a.qualifier),
      authorizerPayloadFormatVersion: a.payloadFormatVersion ?? '2.0',
      authorizerResultTtlInSeconds: a.resultTtlS,
      // A 2.0 setting: a 1.0 authorizer's scheme leaves it out.
      ...(a.payloadFormatVersion === '1.0' ? {} : { enableSimpleResponses: a.simpleResponses }),
    },
  });
  for (const a of api.authorizers) schemes[a.name] = a.kind === 'lambda' ? lambdaScheme(a) : jwtScheme(a.issuer, a.audience);
  const paths: Record<string, Record<string, unknown>> = {};
  [...routes]
    .sort((x, y) => (x.routeKey < y.routeKey ? -1 : x.routeKey > y.routeKey ? 1 : 0))
    .forEach((r, index) => {
      const key = parseRouteKey(r.routeKey);
      const path = key.kind === 'default' ? '$default' : key.path;
      const method = key.kind === 'default' || key.method === 'ANY' ? `${EXT}any-method` : key.method.toLowerCase();
      const operation: Record<string, unknown> = {
        responses: { default: { description: `Default response for ${r.routeKey}` } },
      };
      const authorizer = r.authorizerId ? api.authorizers.find((a) => a.authorizerId === r.authorizerId) : undefined;
      if (authorizer) operation.security = [{ [authorizer.name]: [] }];
      else if (r.auth.kind === 'jwt') {
        const name = `jwt-${index + 1}`;
        schemes[name] = jwtScheme(r.auth.issuer, r.auth.audience);
        operation.security = [{ [name]: [] }];
      } else if (r.auth.kind === 'lambda') {
        const name = `lambda-${index + 1}`;
        schemes[name] = lambdaScheme(r.auth);
        operation.security = [{ [name]: [] }];
      } else if (r.auth.kind === 'key') {
        schemes.hangarApiKey = { type: 'apiKey', name: 'x-api-key', in: 'header' };
        operation.security = [{ hangarApiKey: [] }];
      }
      operation[`${EXT}integration`] = {
        payloadFormatVersion: r.payloadFormatVersion,
        type: 'aws_proxy',
        httpMethod: 'POST',
        uri: o.integrationUri(r.functionName, r.qualifier),
        connectionType: 'INTERNET',
      };
      const item = paths[path] ?? {};
      paths[path] = item;
      item[method] = operation;
      if (key.kind === 'path' && !item.parameters) {
        const names = key.segments.flatMap((s) => (s.kind === 'literal' ? [] : [s.name]));
        if (names.length > 0)
          item.parameters = names.map((name) => ({
            name,
            in: 'path',
            description: `Generated path parameter for ${name}`,
            required: true,
            schema: { type: 'string' },
          }));
      }
    });
  const doc: Record<string, unknown> = {
    openapi: '3.0.1',
    info: { title: api.name, version: versionOf(api.updatedAt) },
    servers: [{ url: `${o.endpoint}/{basePath}`, variables: { basePath: { default: '' } } }],
    ...(Object.keys(o.tags).length > 0
      ? { tags: Object.entries(o.tags).map(([name, value]) => ({ name, [`${EXT}tag-value`]: value })) }
      : {}),
    paths,
    ...(Object.keys(schemes).length > 0 ? { components: { securitySchemes: schemes } } : {}),
    ...(api.cors
      ? {
          [`${EXT}cors`]: {
            allowOrigins: api.cors.allowOrigins,
            allowMethods: api.cors.allowMethods,
            allowHeaders: api.cors.allowHeaders,
            exposeHeaders: api.cors.exposeHeaders,
            ...(api.cors.maxAgeS !== undefined ? { maxAge: api.cors.maxAgeS } : {}),
            allowCredentials: api.cors.allowCredentials,
          },
        }
      : {}),
    [`${EXT}importexport-version`]: '1.0',
  };
  return o.extensions ? doc : (withoutExtensions(doc) as Record<string, unknown>);
}

/** The document without API Gateway's extensions (a tag without its value is just its name). */
function withoutExtensions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutExtensions);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([k]) => !k.startsWith(EXT))
      .map(([k, x]) => [k, withoutExtensions(x)]),
  );
}
