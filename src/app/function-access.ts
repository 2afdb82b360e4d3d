/**
 * Who may reach a user's function besides them: its resource-based policy (Lambda's
 * AddPermission, RemovePermission, GetPolicy) and its function URLs (CreateFunctionUrlConfig
 * and the rest). The Lambda API and the native API call these as the caller's user; the
 * function, version or alias named must exist (NotFound otherwise, as Lambda).
 */
import { randomBytes } from 'node:crypto';
import {
  checkStatement,
  ErrorCode,
  functionUrlErrors,
  functionUrlQualifier,
  InvalidInput,
  LATEST,
  newFunctionUrl,
  parseFunctionRef,
  policyErrors,
  policyQualifierOf,
  urlIdFrom,
  type FunctionPolicy,
  type FunctionUrlConfig,
  type FunctionUrlInput,
  type PolicyStatement,
  type StatementInput,
} from '../core/index.ts';
import type { FunctionAccess } from '../store/index.ts';
import { getFunction, type FunctionsApp } from './functions.ts';

export interface FunctionAccessApp extends Pick<FunctionsApp, 'functions'> {
  functionAccess: FunctionAccess;
  clock: { now(): number };
}

/** Names a function and, optionally, its version or alias (as Lambda's FunctionName and Qualifier). */
export interface FunctionTarget {
  functionName: string;
  qualifier?: string | undefined;
}

/** The function (and qualifier) a policy is for, checked to exist: '' is the function's own. */
async function policyTarget(app: FunctionAccessApp, userId: string, t: FunctionTarget): Promise<{ name: string; qualifier: string }> {
  const ref = parseFunctionRef(t.functionName, t.qualifier);
  if (t.qualifier === LATEST || t.functionName.endsWith(`:${LATEST}`))
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      "$LATEST has no policy of its own: leave Qualifier out for the function's policy, or name a version or an alias",
    );
  await getFunction(app, userId, t.functionName, t.qualifier);
  return { name: ref.name, qualifier: policyQualifierOf(ref.qualifier) };
}

export async function addPermission(
  app: FunctionAccessApp,
  userId: string,
  t: FunctionTarget,
  input: StatementInput & { revisionId?: string | undefined },
): Promise<{ statement: PolicyStatement; policy: FunctionPolicy }> {
  const statement = checkStatement(input);
  const { name, qualifier } = await policyTarget(app, userId, t);
  const policy = await app.functionAccess.addPermission(userId, name, qualifier, statement, input.revisionId);
  return { statement, policy };
}

export async function removePermission(
  app: FunctionAccessApp,
  userId: string,
  t: FunctionTarget,
  sid: string,
  revisionId?: string,
): Promise<void> {
  const { name, qualifier } = await policyTarget(app, userId, t);
  await app.functionAccess.removePermission(userId, name, qualifier, sid, revisionId);
}

/** The policy; NotFound ("The resource you requested does not exist.") when it has no statement. */
export async function getPolicy(app: FunctionAccessApp, userId: string, t: FunctionTarget): Promise<FunctionPolicy> {
  const { name, qualifier } = await policyTarget(app, userId, t);
  const policy = await app.functionAccess.getPolicy(userId, name, qualifier);
  if (!policy) throw policyErrors.notFound();
  return policy;
}

/** The function and qualifier a URL is for ('' or an alias), checked to exist. */
async function urlTarget(app: FunctionAccessApp, userId: string, t: FunctionTarget): Promise<{ name: string; qualifier: string }> {
  const ref = parseFunctionRef(t.functionName, t.qualifier);
  const qualifier = functionUrlQualifier(ref.qualifier.kind === 'latest' ? undefined : policyQualifierOf(ref.qualifier));
  await getFunction(app, userId, ref.name, qualifier || undefined);
  return { name: ref.name, qualifier };
}

export async function createFunctionUrl(
  app: FunctionAccessApp,
  userId: string,
  t: FunctionTarget,
  input: FunctionUrlInput,
): Promise<FunctionUrlConfig> {
  const { name, qualifier } = await urlTarget(app, userId, t);
  const c = newFunctionUrl({ userId, functionName: name, qualifier, urlId: urlIdFrom(randomBytes(32)), now: app.clock.now() }, input);
  return app.functionAccess.createFunctionUrl(c);
}

export async function getFunctionUrl(app: FunctionAccessApp, userId: string, t: FunctionTarget): Promise<FunctionUrlConfig> {
  const { name, qualifier } = await urlTarget(app, userId, t);
  const c = await app.functionAccess.getFunctionUrl(userId, name, qualifier);
  if (!c) throw functionUrlErrors.notFound(name, qualifier);
  return c;
}

export async function updateFunctionUrl(
  app: FunctionAccessApp,
  userId: string,
  t: FunctionTarget,
  patch: FunctionUrlInput,
): Promise<FunctionUrlConfig> {
  const { name, qualifier } = await urlTarget(app, userId, t);
  return app.functionAccess.updateFunctionUrl(userId, name, qualifier, patch);
}

export async function deleteFunctionUrl(app: FunctionAccessApp, userId: string, t: FunctionTarget): Promise<void> {
  const { name, qualifier } = await urlTarget(app, userId, t);
  if (!(await app.functionAccess.deleteFunctionUrl(userId, name, qualifier))) throw functionUrlErrors.notFound(name, qualifier);
}

export async function listFunctionUrls(app: FunctionAccessApp, userId: string, functionName: string): Promise<FunctionUrlConfig[]> {
  const ref = parseFunctionRef(functionName);
  return app.functionAccess.listFunctionUrls(userId, ref.name);
}

/**
 * Where a function URL is reached, as every surface gives it: by host name under `domain`
 * (HANGAR_FUNCTION_URL_DOMAIN) when one is set — `<scheme>://<url-id>.lambda-url.<region>.<domain>/`,
 * Lambda's own form — else by path on the API's address, `<api>/lambda-url/<url-id>/`, which
 * needs no DNS. Both are always served (api/routes/function-urls.ts).
 */
export function functionUrlAddress(apiBase: string, urlId: string, region: string, domain?: string): string {
  if (domain) return `${new URL(apiBase).protocol}//${urlId}.lambda-url.${region}.${domain}/`;
  return `${apiBase.replace(/\/$/, '')}/lambda-url/${urlId}/`;
}
