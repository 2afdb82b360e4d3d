/**
 * A function's asynchronous invocation settings per qualifier (Lambda's
 * Put/Get/Update/Delete/ListFunctionEventInvokeConfig): retries, maximum event age and the
 * destinations, which must be Lambda functions of the caller's own account (core
 * checkDestination). The worker running an event reads them when it runs it
 * (invoke-async.ts), so a change applies to events already queued too.
 */
import {
  checkDestination,
  eventConfigNotFound,
  eventConfigQualifier,
  type EventInvokeConfig,
  type EventInvokeConfigPatch,
} from '../core/index.ts';
import { getFunction, type FunctionsApp } from './functions.ts';

/** Sets the configuration of the user's function at `qualifier` (default $LATEST): whole (Put)
 *  or only what the patch names (Update, NotFound when there is none). */
export async function putEventInvokeConfig(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  accountId: string,
  name: string,
  qualifier: string | undefined,
  patch: EventInvokeConfigPatch,
  replace: boolean,
): Promise<EventInvokeConfig> {
  if (patch.onSuccess) checkDestination('OnSuccess', patch.onSuccess, accountId);
  if (patch.onFailure) checkDestination('OnFailure', patch.onFailure, accountId);
  // The version or alias must exist, as Lambda requires.
  const f = await getFunction(app, userId, name, qualifier);
  return app.functions.putEventInvokeConfig(userId, f.name, eventConfigQualifier(qualifier), patch, replace);
}

export async function getEventInvokeConfig(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  name: string,
  qualifier: string | undefined,
): Promise<EventInvokeConfig> {
  const f = await getFunction(app, userId, name, qualifier);
  const q = eventConfigQualifier(qualifier);
  const c = await app.functions.getEventInvokeConfig(userId, f.name, q);
  if (!c) throw eventConfigNotFound(f.name, q);
  return c;
}

export async function deleteEventInvokeConfig(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  name: string,
  qualifier: string | undefined,
): Promise<void> {
  const f = await getFunction(app, userId, name);
  const q = eventConfigQualifier(qualifier);
  if (!(await app.functions.deleteEventInvokeConfig(userId, f.name, q))) throw eventConfigNotFound(f.name, q);
}

export function listEventInvokeConfigs(app: Pick<FunctionsApp, 'functions'>, userId: string, name: string): Promise<EventInvokeConfig[]> {
  return app.functions.listEventInvokeConfigs(userId, name);
}
