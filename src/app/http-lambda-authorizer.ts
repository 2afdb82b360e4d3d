/**
 * A route's Lambda (REQUEST) authorizer at the gateway (core/http-api/lambda-authorizer.ts
 * decides; this runs it): the identity sources are read from the route's payload 2.0 event —
 * one missing is 401 without running anything —, the authorizer function is given the event of
 * its own payload format (2.0, or 1.0: the REST-like one) and runs synchronously through the same
 * invocation as any other (invoke.ts: its record, metrics and logs are an invocation of that
 * function), and its answer allows, denies (403) or fails (500, as API Gateway: a function
 * error, an answer of neither shape, a function that is gone).
 *
 * Allowed, the route's function gets the answer's context as `requestContext.authorizer.lambda`
 * (null when the answer has none), whatever the route's payload format and the authorizer's: on
 * AWS a payload 1.0 route of an HTTP API does not flatten it as a REST API does, and neither
 * format gets the policy's principalId. Evidence followed: aws/aws-lambda-go#549, a user moving
 * from a REST API to an HTTP API with payload 1.0 who logged `map[lambda:map[…]]` as the
 * event's requestContext.authorizer (and reported the nesting as a difference), and the events
 * Powertools for AWS Lambda (TypeScript) captured from a real HTTP API for its parser tests
 * (packages/parser/tests/events/apigw-http/lambda-authorizer-auth.json: `"authorizer":
 * {"lambda": null}` for an answer without context). A JWT authorizer's claims differ: 1.0 has
 * them directly under authorizer (event-v1.ts).
 *
 * Answers are kept in this process for the authorizer's TTL, per API, per authorizer (a route
 * with its own Lambda auth: per route) and identity, as API Gateway caches them: the answer is
 * kept, not the decision, so an IAM policy kept for one route decides for another as it says.
 * Each is kept with the authorizer's configuration it was asked under, and used only while the
 * route's authorizer is configured so: a change made through another API node (which drops its
 * own node's answers only) reaches this one as the gateway reads the API again (within a
 * second), and the answers kept under the old configuration are no longer used. No timer and no
 * database read of its own: the definition the gateway reads anyway is the stamp.
 */
import {
  answerKeptUntil,
  authorizerCacheKey,
  authorizerEventV1,
  authorizerEventV2,
  buildEventV1,
  buildEventV2,
  decideAuthorizerAnswer,
  type EventContext,
  type GatewayRequest,
  type GatewayResponse,
  HangarError,
  type HttpRoute,
  identityValues,
  internalServerError,
  jsonAnswer,
  type LambdaAuth,
  type LambdaAuthorizerEventV1,
  type LambdaAuthorizerEventV2,
  PayloadFormat,
  routeArnOf,
} from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import { type InvokeApp, invokeFunction } from './invoke.ts';

/** Identities whose answers one node keeps; the oldest go first. */
const ANSWERS_KEPT_MAX = 10_000;

export interface LambdaAuthorizerApp extends InvokeApp {
  clock: { now(): number };
  log: Logger;
}

/** What the route lets in (the principal for the response cache, the event's authorizer), or
 *  the gateway's refusal. */
export type AuthorizerOutcome = { principal: string; context: Record<string, unknown> } | { refused: GatewayResponse };

export class LambdaAuthorizers {
  private readonly app: LambdaAuthorizerApp;
  private readonly answers = new Map<string, { until: number; config: string; answer: unknown }>();
  /** Each auth as read (a new object each time the gateway reads the API): its configuration. */
  private readonly configs = new WeakMap<LambdaAuth, string>();

  constructor(app: LambdaAuthorizerApp) {
    this.app = app;
  }

  /** `ctx`: the route's event context (without an authorizer); `path`: the request's path
   *  without its stage's name (the route's ARN). */
  async authorize(
    route: HttpRoute,
    auth: LambdaAuth,
    req: GatewayRequest,
    ctx: EventContext,
    path: string,
    /** The deployment the stage serves; null: the API as it is. A deployment's authorizer may
     *  differ from the live one's, so their answers are kept apart. */
    deploymentId: string | null,
  ): Promise<AuthorizerOutcome> {
    const event = buildEventV2(req, ctx);
    const identity = identityValues(auth.identitySource, event);
    if (identity === null) return { refused: jsonAnswer(401, { message: 'Unauthorized' }) };
    const routeArn = routeArnOf({
      region: this.app.config.awsRegion,
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      stage: ctx.stage,
      method: req.method,
      path,
    });
    const key =
      auth.resultTtlS > 0
        ? authorizerCacheKey(ctx.apiId, `${deploymentId ?? '$live'} ${route.authorizerId ?? `route ${route.routeKey}`}`, identity)
        : null;
    const config = this.configOf(auth);
    const kept = key === null ? undefined : this.answers.get(key);
    // The authorizer is asked unless an answer kept for this identity is still within its TTL
    // and was answered by the authorizer as it is configured now.
    const ask = !kept || kept.until <= this.app.clock.now() || kept.config !== config;
    let answer: unknown = kept?.answer;
    if (ask) {
      const own =
        auth.payloadFormatVersion === PayloadFormat.V1
          ? authorizerEventV1(buildEventV1(req, ctx), routeArn, identity)
          : authorizerEventV2(event, routeArn, identity);
      const ran = await this.run(route.userId, auth, own, ctx.accountId);
      if ('refused' in ran) return ran;
      answer = ran.answer;
    }
    const decision = decideAuthorizerAnswer(answer, auth.simpleResponses, routeArn);
    if (ask && key !== null) {
      const until = answerKeptUntil(auth.resultTtlS, decision, this.app.clock.now());
      if (until === null) this.answers.delete(key);
      else this.keep(key, { until, config, answer });
    }
    switch (decision.kind) {
      case 'invalid':
        this.app.log.warn({ apiId: ctx.apiId, authorizer: auth.functionName, reason: decision.reason }, 'authorizer answer invalid');
        return { refused: internalServerError() };
      case 'deny':
        return { refused: jsonAnswer(403, { message: 'Forbidden' }) };
      case 'allow':
        return {
          principal: `lambda:${JSON.stringify([identity, decision.context])}`,
          context: { lambda: decision.context },
        };
      default: {
        const unknown: never = decision;
        throw new Error(`unknown authorizer decision ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Drops the answers kept for an API (it changed: its authorizers may have). */
  forget(apiId: string): void {
    const prefix = JSON.stringify([apiId]).slice(0, -1);
    for (const key of this.answers.keys()) if (key.startsWith(prefix)) this.answers.delete(key);
  }

  private async run(
    owner: string,
    auth: LambdaAuth,
    event: LambdaAuthorizerEventV2 | LambdaAuthorizerEventV1,
    accountId: string,
  ): Promise<{ answer: unknown } | { refused: GatewayResponse }> {
    let payload: Buffer;
    try {
      const r = await invokeFunction(this.app, owner, {
        functionName: auth.functionName,
        ...(auth.qualifier === null ? {} : { qualifier: auth.qualifier }),
        payload: Buffer.from(JSON.stringify(event)),
        payloadIsOwnJson: true,
        accountId,
      });
      if (r.functionError) return { refused: internalServerError() };
      payload = r.payload;
    } catch (err) {
      // Refused or gone (throttled, no host, deleted): the authorizer failed, API Gateway's 500.
      if (err instanceof HangarError) return { refused: internalServerError() };
      throw err;
    }
    try {
      return { answer: JSON.parse(payload.toString('utf8')) };
    } catch {
      return { answer: undefined };
    }
  }

  private keep(key: string, kept: { until: number; config: string; answer: unknown }): void {
    if (this.answers.size >= ANSWERS_KEPT_MAX) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(key, kept);
  }

  private configOf(auth: LambdaAuth): string {
    let config = this.configs.get(auth);
    if (config === undefined) {
      config = JSON.stringify(auth);
      this.configs.set(auth, config);
    }
    return config;
  }
}
