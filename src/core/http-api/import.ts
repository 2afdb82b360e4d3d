/**
 * An OpenAPI 3.0 document as the HTTP API ImportApi makes of it (export.ts writes such documents):
 * its title, its routes (a path and method each; `x-amazon-apigateway-any-method` is ANY, the
 * path `$default` the default route) with their Lambda proxy integration
 * (`x-amazon-apigateway-integration`, aws_proxy, payload 1.0 or 2.0) and at most one authorizer
 * (`security` naming a scheme of `components.securitySchemes` with an
 * `x-amazon-apigateway-authorizer` of type jwt, or request: a Lambda authorizer, payload 1.0 or
 * 2.0), its CORS (`x-amazon-apigateway-cors`) and tags.
 * What Hangar cannot make is refused naming it, never dropped. The integration URIs are the
 * caller's to resolve (a function of the importer's).
 */
import { ErrorCode, InvalidInput } from '../errors.ts';
import type { TagMap } from '../tags.ts';
import { checkPayloadFormat } from './parts.ts';
import { DEFAULT_ROUTE_KEY, parseRouteKey } from './route-key.ts';
import type { PayloadFormat } from './types.ts';

export interface OpenApiImport {
  name: string;
  /** `x-amazon-apigateway-cors` as written (camel case members), for the caller to read. */
  cors: Record<string, unknown> | null;
  tags: TagMap;
  authorizers: ImportedAuthorizer[];
  routes: { routeKey: string; integrationUri: string; payloadFormatVersion: PayloadFormat; authorizer: string | null }[];
}

/** A JWT authorizer as written, or a Lambda one with its function's URI for the caller to resolve. */
export type ImportedAuthorizer =
  | { kind?: 'jwt'; name: string; issuer: string; audience: string[] }
  | {
      kind: 'lambda';
      name: string;
      authorizerUri: string;
      identitySource: string[];
      simpleResponses: boolean;
      resultTtlS: number;
      payloadFormatVersion: PayloadFormat;
    };

const EXT = 'x-amazon-apigateway-';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const IDENTITY_SOURCE = '$request.header.Authorization';

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw invalid(`${where} must be an object`);
  return v;
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${where} must be a non-empty string`);
  return v;
}

export function planOpenApiImport(given: unknown): OpenApiImport {
  const doc = object(given, 'the definition');
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.0'))
    throw invalid('Hangar imports OpenAPI 3.0 definitions only (openapi: 3.0.x); Swagger 2.0 is not supported');
  for (const key of Object.keys(doc))
    if (key.startsWith(EXT) && key !== `${EXT}cors` && key !== `${EXT}importexport-version`)
      throw invalid(`${key} is not supported by Hangar`);
  const version = doc[`${EXT}importexport-version`];
  if (version !== undefined && version !== '1.0') throw invalid(`${EXT}importexport-version must be 1.0`);
  const name = text(object(doc.info, 'info').title, 'info.title');
  const authorizers = authorizersOf(doc.components);
  const routes: OpenApiImport['routes'] = [];
  for (const [path, rawItem] of Object.entries(object(doc.paths ?? {}, 'paths'))) {
    const item = object(rawItem, `paths.${path}`);
    for (const [method, rawOp] of Object.entries(item)) {
      if (method === 'parameters' || method === 'summary' || method === 'description') continue;
      const any = method === `${EXT}any-method`;
      if (!any && !METHODS.includes(method))
        throw invalid(`paths.${path}.${method} is not supported by Hangar: an HTTP method or ${EXT}any-method`);
      const routeKey = path === DEFAULT_ROUTE_KEY ? DEFAULT_ROUTE_KEY : `${any ? 'ANY' : method.toUpperCase()} ${path}`;
      if (path === DEFAULT_ROUTE_KEY && !any) throw invalid(`paths.$default takes ${EXT}any-method only`);
      parseRouteKey(routeKey);
      routes.push(routeOf(routeKey, object(rawOp, `paths.${path}.${method}`), authorizers));
    }
  }
  const cors = doc[`${EXT}cors`] === undefined ? null : object(doc[`${EXT}cors`], `${EXT}cors`);
  return { name, cors, tags: tagsOf(doc.tags), authorizers, routes };
}

function authorizersOf(components: unknown): OpenApiImport['authorizers'] {
  if (components === undefined) return [];
  const schemes = object(components, 'components').securitySchemes;
  if (schemes === undefined) return [];
  return Object.entries(object(schemes, 'components.securitySchemes')).map(([name, raw]) => {
    const where = `components.securitySchemes.${name}`;
    const ext = object(raw, where)[`${EXT}authorizer`];
    if (isObject(ext) && ext.type === 'request') return lambdaAuthorizerOf(name, ext, where);
    if (!isObject(ext) || ext.type !== 'jwt')
      throw invalid(`${where} is not supported by Hangar: JWT or Lambda authorizers only (${EXT}authorizer of type jwt or request)`);
    const source = ext.identitySource;
    if (source !== undefined && !(typeof source === 'string' && source.toLowerCase() === IDENTITY_SOURCE.toLowerCase()))
      throw invalid(`${where}: identitySource must be ${IDENTITY_SOURCE} on Hangar`);
    const jwt = object(ext.jwtConfiguration, `${where}.jwtConfiguration`);
    const audience = jwt.audience;
    if (!Array.isArray(audience) || !audience.every((a) => typeof a === 'string'))
      throw invalid(`${where}.jwtConfiguration.audience must be a list of strings`);
    return { name, issuer: text(jwt.issuer, `${where}.jwtConfiguration.issuer`), audience };
  });
}

function lambdaAuthorizerOf(name: string, ext: Record<string, unknown>, where: string): ImportedAuthorizer {
  const version = ext.authorizerPayloadFormatVersion;
  if (version === undefined) throw invalid(`${where}: authorizerPayloadFormatVersion is required for a Lambda authorizer: 1.0 or 2.0`);
  if (version !== '1.0' && version !== '2.0')
    throw invalid(`${where}: authorizerPayloadFormatVersion ${String(version).slice(0, 40)} is not supported: 1.0 or 2.0`);
  if (ext.authorizerCredentials !== undefined) throw invalid(`${where}: authorizerCredentials is not supported by Hangar`);
  const source = ext.identitySource ?? '';
  if (typeof source !== 'string') throw invalid(`${where}.identitySource must be a string (comma-separated)`);
  const ttl = ext.authorizerResultTtlInSeconds ?? 0;
  const simple = ext.enableSimpleResponses ?? false;
  if (typeof ttl !== 'number') throw invalid(`${where}.authorizerResultTtlInSeconds must be a number`);
  if (typeof simple !== 'boolean') throw invalid(`${where}.enableSimpleResponses must be true or false`);
  return {
    kind: 'lambda',
    name,
    authorizerUri: text(ext.authorizerUri, `${where}.authorizerUri`),
    identitySource: source
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    simpleResponses: simple,
    resultTtlS: ttl,
    payloadFormatVersion: version,
  };
}

function routeOf(
  routeKey: string,
  op: Record<string, unknown>,
  authorizers: OpenApiImport['authorizers'],
): OpenApiImport['routes'][number] {
  const where = `the route ${routeKey}`;
  for (const key of Object.keys(op))
    if (key.startsWith(EXT) && key !== `${EXT}integration`) throw invalid(`${where}: ${key} is not supported by Hangar`);
  const integration = op[`${EXT}integration`];
  if (!isObject(integration)) throw invalid(`${where} needs an ${EXT}integration on Hangar (a route without one has nothing to serve)`);
  const type = String(integration.type ?? '').toLowerCase();
  if (type !== 'aws_proxy')
    throw invalid(`${where}: integration type ${String(integration.type)} is not supported by Hangar: aws_proxy only`);
  let payloadFormatVersion: PayloadFormat;
  try {
    payloadFormatVersion = checkPayloadFormat(integration.payloadFormatVersion);
  } catch {
    throw invalid(`${where}: payloadFormatVersion ${String(integration.payloadFormatVersion)} is not supported: 1.0 or 2.0`);
  }
  for (const key of ['requestParameters', 'responseParameters', 'credentials', 'connectionId', 'tlsConfig'])
    if (integration[key] !== undefined) throw invalid(`${where}: integration ${key} is not supported by Hangar`);
  const security = op.security ?? [];
  if (!Array.isArray(security) || security.length > 1) throw invalid(`${where}: security names one authorizer at most on Hangar`);
  let authorizer: string | null = null;
  if (security.length === 1) {
    const names = Object.entries(object(security[0], `${where}: security`));
    if (names.length !== 1) throw invalid(`${where}: security names one authorizer at most on Hangar`);
    const [name, scopes] = names[0] as [string, unknown];
    if (Array.isArray(scopes) && scopes.length > 0) throw invalid(`${where}: authorization scopes are not supported by Hangar`);
    if (!authorizers.some((a) => a.name === name))
      throw invalid(`${where}: security names ${name}, which components.securitySchemes does not have`);
    authorizer = name;
  }
  return { routeKey, integrationUri: text(integration.uri, `${where}: integration uri`), payloadFormatVersion, authorizer };
}

function tagsOf(tags: unknown): TagMap {
  if (tags === undefined) return {};
  if (!Array.isArray(tags)) throw invalid('tags must be a list');
  const map: TagMap = {};
  for (const t of tags) {
    const tag = object(t, 'a tag');
    const value = tag[`${EXT}tag-value`];
    // A tag without a value is OpenAPI's grouping of operations, not a tag of the API.
    if (typeof value === 'string') map[text(tag.name, 'a tag name')] = value;
  }
  return map;
}
