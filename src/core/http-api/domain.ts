/**
 * Custom domain names of HTTP APIs (API Gateway's DomainName and ApiMapping): a user's own host
 * name (`api.example.com`, pointed at Hangar by DNS or a reverse proxy) serving stages of their
 * APIs under mapping keys. A name is one user's across all users (it is what a request's Host
 * says). A request to it is served by the mapping whose key is the longest prefix of its path,
 * on whole segments, the empty key taking what no other does (chooseMapping); the key is taken
 * off the path before routes match, and off the payload 2.0 event's rawPath, which AWS sends
 * without it (1.0's `path` keeps it: docs/http-routes.md). Pure: which names and keys are valid,
 * which mapping serves.
 */
import { Conflict, ErrorCode, InvalidInput, NotFound } from '../errors.ts';
import type { TagMap } from '../tags.ts';

/** How a domain name's endpoint is configured: what API Gateway takes and reports. Hangar keeps
 *  it as given; TLS is a reverse proxy's in front of Hangar, which serves plain HTTP behind it. */
export interface DomainNameConfig {
  /** Kept and reported, not used (the proxy in front holds the certificate). */
  certificateArn: string | null;
  certificateName: string | null;
  endpointType: 'REGIONAL';
  securityPolicy: 'TLS_1_2';
}

export interface DomainName {
  userId: string;
  /** Lower case (host names are case-insensitive). */
  domainName: string;
  config: DomainNameConfig;
  tags: TagMap;
  createdAt: number;
  updatedAt: number;
}

export interface DomainNameInput {
  domainName: string;
  certificateArn?: string | null;
  certificateName?: string | null;
  endpointType?: string;
  securityPolicy?: string;
}

export interface ApiMapping {
  domainName: string;
  apiMappingId: string;
  apiId: string;
  /** `$default` or a named stage of the API. */
  stage: string;
  /** '' (the domain's root) or segments joined by '/', without a leading or trailing '/'. */
  apiMappingKey: string;
  createdAt: number;
}

export interface ApiMappingInput {
  apiId: string;
  stage: string;
  apiMappingKey: string;
}

/** A domain name as the gateway serves it: its mappings, any order. */
export interface ServedDomain {
  domainName: string;
  mappings: ApiMapping[];
}

/** Mappings one domain name may have (API Gateway's default quota is 200). */
export const API_MAPPINGS_MAX = 200;
/** Domain names one user may have (API Gateway's default quota is 120 per account and region). */
export const DOMAIN_NAMES_MAX = 120;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpDomainNameInvalid, message);

export const domainErrors = {
  notFound: (name: string) => new NotFound(ErrorCode.HttpDomainNameNotFound, `domain name ${name} not found`),
  exists: (name: string) => new Conflict(ErrorCode.HttpDomainNameExists, `domain name ${name} is taken`),
  mappingNotFound: (name: string, id: string) =>
    new NotFound(ErrorCode.HttpApiMappingNotFound, `domain name ${name} has no API mapping ${id}`),
  mappingExists: (name: string, key: string) =>
    new Conflict(ErrorCode.HttpApiMappingExists, `domain name ${name} has an API mapping of key '${key}' already`),
  tooMany: (what: string, max: number) => invalid(`at most ${max} ${what}`),
  invalid,
};

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Forms Hangar serves by Host already: an API's default endpoint, a function URL. */
const SERVED_FORMS = /(^|\.)(execute-api|lambda-url)\./;

/** Which names users may take: a domain name takes every request to its host, Hangar's own
 *  API's included, so only names under the operator's `suffixes` (`*`: any) and none of
 *  `ownHosts` (where Hangar's API is reached). */
export interface DomainNameRules {
  suffixes: readonly string[];
  ownHosts: readonly string[];
}

/** Any name (tests of the name's form alone). */
export const ANY_DOMAIN_NAME: DomainNameRules = { suffixes: ['*'], ownHosts: [] };

/**
 * The name as kept (lower case), or InvalidInput: a DNS host name of two labels or more (no IP
 * address, no wildcard, no port), not of a form Hangar serves by Host already, and one `rules`
 * let users take.
 */
export function checkDomainName(name: unknown, rules: DomainNameRules): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid('domainName is required');
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.startsWith('*.')) throw invalid('wildcard domain names are not supported by Hangar');
  const labels = lower.split('.');
  if (lower.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)))
    throw invalid(`'${name.slice(0, 260)}' is not a host name (labels of letters, digits and hyphens, joined by dots)`);
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) throw invalid('a domain name is a host name, not an IP address');
  if (SERVED_FORMS.test(lower)) throw invalid(`'${lower}' is of a form Hangar serves already (execute-api, lambda-url)`);
  if (rules.ownHosts.some((h) => h.toLowerCase() === lower)) throw invalid(`'${lower}' is where Hangar's own API is reached`);
  const under = (suffix: string) => {
    const s = suffix.toLowerCase().replace(/^\*?\./, '');
    return suffix === '*' || lower === s || lower.endsWith(`.${s}`);
  };
  if (!rules.suffixes.some(under))
    throw invalid(
      rules.suffixes.length === 0
        ? 'custom domain names are off on this Hangar (its operator allows them with HANGAR_DOMAIN_NAME_SUFFIXES)'
        : `'${lower}' is not under a domain this Hangar lets users name (${rules.suffixes.join(', ').slice(0, 300)})`,
    );
  return lower;
}

/** The endpoint configuration as kept: REGIONAL and TLS_1_2 are what Hangar takes (a proxy in
 *  front terminates TLS); absent ones default so; `base` is the configuration a change starts from. */
export function checkDomainNameConfig(input: Omit<DomainNameInput, 'domainName'>, base?: DomainNameConfig): DomainNameConfig {
  const endpointType = input.endpointType ?? 'REGIONAL';
  if (endpointType !== 'REGIONAL') throw invalid(`endpointType ${String(endpointType).slice(0, 40)} is not supported by Hangar: REGIONAL`);
  const securityPolicy = input.securityPolicy ?? 'TLS_1_2';
  if (securityPolicy !== 'TLS_1_2')
    throw invalid(`securityPolicy ${String(securityPolicy).slice(0, 40)} is not supported by Hangar: TLS_1_2`);
  const text = (field: string, v: unknown, kept: string | null): string | null => {
    if (v === undefined) return kept;
    if (v === null) return null;
    if (typeof v !== 'string' || v.length > 2048) throw invalid(`${field} is a string of at most 2048 characters`);
    return v;
  };
  return {
    certificateArn: text('certificateArn', input.certificateArn, base?.certificateArn ?? null),
    certificateName: text('certificateName', input.certificateName, base?.certificateName ?? null),
    endpointType,
    securityPolicy,
  };
}

const KEY_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** A mapping key as kept, or InvalidInput: empty (the root), or path segments joined by '/'. */
export function checkMappingKey(key: unknown): string {
  if (key === undefined || key === null || key === '') return '';
  if (typeof key !== 'string' || key.length > 256) throw invalid('apiMappingKey is a path of at most 256 characters');
  const segments = key.split('/');
  if (!segments.every((s) => KEY_SEGMENT.test(s) && s !== '.' && s !== '..'))
    throw invalid(
      `apiMappingKey '${key.slice(0, 256)}' is not a path like v1 or v1/orders (segments of letters, digits, '.', '_', '~' or '-'; no leading or trailing '/')`,
    );
  return key;
}

/** The stage a mapping names: `$default` or a stage name (that the API has it is the caller's check). */
export function checkMappingStage(stage: unknown): string {
  if (typeof stage !== 'string' || !/^(\$default|[A-Za-z0-9_-]{1,128})$/.test(stage)) throw invalid('stage is $default or a stage name');
  return stage;
}

/** Of the domain's mappings, the one a request to `rawPath` is served by, the path its routes
 *  match (the key taken off; `/` at least) and `rest`, the path after the key as sent: what API
 *  Gateway gives a payload 2.0 event as rawPath — '' for a request to the key alone (`/v1`), as
 *  AWS sends it. Null when none is (no empty key and no key prefixes the path). */
export function chooseMapping<M extends Pick<ApiMapping, 'apiMappingKey'>>(
  mappings: readonly M[],
  rawPath: string,
): { mapping: M; path: string; rest: string } | null {
  let best: M | null = null;
  for (const m of mappings) {
    const k = m.apiMappingKey;
    if (best !== null && k.length <= best.apiMappingKey.length) continue;
    if (k === '' || rawPath === `/${k}` || rawPath.startsWith(`/${k}/`)) best = m;
  }
  if (best === null) return null;
  const rest = best.apiMappingKey === '' ? rawPath : rawPath.slice(best.apiMappingKey.length + 1);
  return { mapping: best, path: rest || '/', rest };
}
