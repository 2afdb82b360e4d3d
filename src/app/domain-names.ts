/**
 * Custom domain names of HTTP APIs (API Gateway's DomainName and ApiMapping): a user's own host
 * name serving stages of their APIs under mapping keys (core/http-api/domain.ts decides what is
 * valid and which mapping serves a request). A mapping names an API and stage of the domain's
 * owner; every miss is the same NotFound whether the domain or API is another user's or no one's.
 *
 * `domainNamesChanged` hears of every change and is awaited, so the gateway's index of this
 * node (domain-index.ts) serves it by the time the change is answered.
 */
import {
  type ApiMapping,
  APIGATEWAY_TAG_RULES,
  checkDomainName,
  checkDomainNameConfig,
  checkMappingKey,
  checkMappingStage,
  checkTags,
  type DomainName,
  type DomainNameInput,
  domainErrors,
  namedStageOf,
  type TagMap,
} from '../core/index.ts';
import { splitList } from '../config/index.ts';
import type { DomainNames } from '../store/index.ts';
import { getHttpApi, type HttpApisApp } from './http-apis.ts';

export interface DomainNamesApp extends HttpApisApp {
  domainNames: DomainNames;
  /** Where Hangar's own API is reached (its host cannot be a domain name: it would take its
   *  requests), and the domains under which users may name theirs (comma-separated; `*`: any). */
  config: { publicUrl?: string; domainNameSuffixes?: string };
  /** Told of each change of a domain name or mapping; awaited. */
  domainNamesChanged?: () => Promise<void> | void;
}

/** A mapping's fields as given: absent ones stay as they were (UpdateApiMapping). */
export interface ApiMappingPatch {
  apiId?: unknown;
  stage?: unknown;
  apiMappingKey?: unknown;
}

const nameOf = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** A URL's host name, or '' when it is not one. */
const hostOf = (url: string): string => {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
};

/** `requestHost`: the Host the request making it came to, a host Hangar's API is reached at too. */
export async function createDomainName(
  app: DomainNamesApp,
  userId: string,
  input: DomainNameInput & { tags?: TagMap },
  requestHost?: string,
): Promise<DomainName> {
  const ownHosts = [app.config.publicUrl, requestHost && `http://${requestHost}`].flatMap((u) => (u ? [hostOf(u)] : []));
  const name = checkDomainName(input.domainName, { suffixes: splitList(app.config.domainNameSuffixes ?? ''), ownHosts });
  const config = checkDomainNameConfig(input);
  const tags = checkTags(input.tags ?? {}, APIGATEWAY_TAG_RULES);
  const d = await app.domainNames.createDomainName(userId, name, config, tags);
  await app.domainNamesChanged?.();
  return d;
}

export async function getDomainName(app: DomainNamesApp, userId: string, name: string): Promise<DomainName> {
  const d = await app.domainNames.getDomainName(userId, nameOf(name));
  if (!d) throw domainErrors.notFound(nameOf(name));
  return d;
}

export function listDomainNames(app: DomainNamesApp, userId: string): Promise<DomainName[]> {
  return app.domainNames.listDomainNames(userId);
}

/** Its endpoint configuration changed: absent fields stay. */
export async function updateDomainName(
  app: DomainNamesApp,
  userId: string,
  name: string,
  patch: Omit<DomainNameInput, 'domainName'>,
): Promise<DomainName> {
  const d = await getDomainName(app, userId, name);
  return app.domainNames.updateDomainName(userId, d.domainName, checkDomainNameConfig(patch, d.config));
}

/** The name with its mappings (as API Gateway deletes a domain name that has some). */
export async function deleteDomainName(app: DomainNamesApp, userId: string, name: string): Promise<void> {
  if (!(await app.domainNames.deleteDomainName(userId, nameOf(name)))) throw domainErrors.notFound(nameOf(name));
  await app.domainNamesChanged?.();
}

/** The mapping's fields checked: its key, and an API of the user's with that stage. */
async function mappingInput(app: DomainNamesApp, userId: string, given: ApiMappingPatch, base?: ApiMapping) {
  const apiMappingKey = given.apiMappingKey === undefined && base ? base.apiMappingKey : checkMappingKey(given.apiMappingKey);
  const stage = checkMappingStage(given.stage ?? base?.stage);
  const apiId = given.apiId ?? base?.apiId;
  if (typeof apiId !== 'string' || apiId === '') throw domainErrors.invalid('apiId is required');
  const api = await getHttpApi(app, userId, apiId);
  if (stage !== '$default') namedStageOf(api, stage);
  return { apiId, stage, apiMappingKey };
}

export async function createApiMapping(app: DomainNamesApp, userId: string, name: string, given: ApiMappingPatch): Promise<ApiMapping> {
  const d = await getDomainName(app, userId, name);
  const m = await app.domainNames.createApiMapping(userId, d.domainName, await mappingInput(app, userId, given));
  await app.domainNamesChanged?.();
  return m;
}

export async function getApiMapping(app: DomainNamesApp, userId: string, name: string, apiMappingId: string): Promise<ApiMapping> {
  const d = await getDomainName(app, userId, name);
  const m = await app.domainNames.getApiMapping(userId, d.domainName, apiMappingId);
  if (!m) throw domainErrors.mappingNotFound(d.domainName, apiMappingId);
  return m;
}

export async function listApiMappings(app: DomainNamesApp, userId: string, name: string): Promise<ApiMapping[]> {
  const d = await getDomainName(app, userId, name);
  return app.domainNames.listApiMappings(userId, d.domainName);
}

/** The mappings of the user's domains that point at one of their APIs (NotFound for an API not
 *  theirs), in one read however many domains there are. */
export async function listHttpApiMappings(app: DomainNamesApp, userId: string, apiId: string): Promise<ApiMapping[]> {
  await getHttpApi(app, userId, apiId);
  return app.domainNames.listApiMappingsOfApi(userId, apiId);
}

export async function updateApiMapping(
  app: DomainNamesApp,
  userId: string,
  name: string,
  apiMappingId: string,
  patch: ApiMappingPatch,
): Promise<ApiMapping> {
  const before = await getApiMapping(app, userId, name, apiMappingId);
  const m = await app.domainNames.updateApiMapping(userId, before.domainName, apiMappingId, await mappingInput(app, userId, patch, before));
  await app.domainNamesChanged?.();
  return m;
}

export async function deleteApiMapping(app: DomainNamesApp, userId: string, name: string, apiMappingId: string): Promise<void> {
  const d = await getDomainName(app, userId, name);
  if (!(await app.domainNames.deleteApiMapping(userId, d.domainName, apiMappingId)))
    throw domainErrors.mappingNotFound(d.domainName, apiMappingId);
  await app.domainNamesChanged?.();
}
