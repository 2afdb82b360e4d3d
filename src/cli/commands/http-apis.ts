/** `hangar http-api create|list|get|export|rm|deploy`, `hangar http-api stage [create|rm]` and
 *  `hangar http-api route add|list|rm` (docs/http-routes.md):
 *  HTTP APIs over /http-apis, routes sending requests to functions. */
import { type Command, InvalidArgumentError } from 'commander';
import type { HttpApiInfo, HttpRouteAuth, HttpRouteInfo } from '../client/index.ts';
import { fields, table, time } from '../render.ts';
import { clientFor, clientOptions, int, print, printJson, type ClientFlags } from './common.ts';

type UserFlags = ClientFlags & { user?: string };

/** `RATE/BURST`, e.g. 100/200. */
function throttleOf(value: string): { rate: number; burst: number } {
  const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('Expected RATE/BURST, e.g. 100/200.');
  return { rate: Number(m[1]), burst: Number(m[2]) };
}

/** `--route-throttle 'METHOD /path=RATE/BURST'` (or `=none`: the route's own removed), repeatable. */
function routeThrottle(
  value: string,
  acc: Record<string, { rate: number; burst: number } | null> | undefined,
): Record<string, { rate: number; burst: number } | null> {
  const at = value.lastIndexOf('=');
  if (at < 1) throw new InvalidArgumentError("Expected 'METHOD /path=RATE/BURST' or 'METHOD /path=none'.");
  const limit = value.slice(at + 1).trim();
  return { ...acc, [value.slice(0, at).trim()]: limit === 'none' ? null : throttleOf(limit) };
}

/** --throttle RATE/BURST or none, and --route-throttle, as a stage's fields; absent: as they were. */
const stageThrottlesOf = (flags: { throttle?: string; routeThrottle?: Record<string, { rate: number; burst: number } | null> }) => ({
  ...(flags.throttle !== undefined ? { throttle: flags.throttle === 'none' ? null : throttleOf(flags.throttle) } : {}),
  ...(flags.routeThrottle ? { routeThrottles: flags.routeThrottle } : {}),
});
type StageThrottleFlags = { throttle?: string; routeThrottle?: Record<string, { rate: number; burst: number } | null> };

const collect = (value: string, acc: string[] | undefined) => [...(acc ?? []), value];
/** `name` or `name:qualifier`. */
function splitQualified(ref: string): [string, string | null] {
  const colon = ref.indexOf(':');
  return colon < 0 ? [ref, null] : [ref.slice(0, colon), ref.slice(colon + 1)];
}

/** `--stage-var name=value`, repeatable (the API checks names and values). */
function stageVar(value: string, acc: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('Expected NAME=VALUE, e.g. env=prod.');
  return { ...acc, [value.slice(0, at)]: value.slice(at + 1) };
}

const varsText = (v: Record<string, string>) =>
  Object.keys(v).length > 0
    ? Object.entries(v)
        .map(([k, x]) => `${k}=${x}`)
        .join(' ')
    : null;

const authText = (a: HttpRouteAuth) =>
  a.kind === 'jwt'
    ? `jwt ${a.issuer} (${a.audience.join(',')})`
    : a.kind === 'lambda'
      ? `lambda ${a.functionName}${a.qualifier ? `:${a.qualifier}` : ''}${a.payloadFormatVersion === '1.0' ? ' (1.0)' : ''}`
      : a.kind;
const throttleText = (t: { rate: number; burst: number } | null) => (t ? `${t.rate}/s burst ${t.burst}` : null);

const routeRows = (rs: HttpRouteInfo[]) =>
  table(
    ['ROUTE', 'FUNCTION', 'AUTH', 'THROTTLE', 'CACHE', 'PAYLOAD'],
    rs.map((r) => [
      r.routeKey,
      r.qualifier ? `${r.functionName}:${r.qualifier}` : r.functionName,
      authText(r.auth),
      throttleText(r.throttle) ?? '-',
      r.cacheTtlS > 0 ? `${r.cacheTtlS} s` : '-',
      r.payloadFormatVersion,
    ]),
  );

/** --auto-deploy / --no-auto-deploy and --deployment as the stage's fields; absent: as it was. */
const stageDeploymentOf = (flags: { autoDeploy?: boolean; deployment?: string }) => ({
  ...(flags.autoDeploy !== undefined ? { autoDeploy: flags.autoDeploy } : {}),
  ...(flags.deployment ? { deploymentId: flags.deployment } : {}),
});

/** What a stage serves: the API as it is, or the deployment it names. */
const servesText = (st: { autoDeploy: boolean; deploymentId: string | null }) =>
  st.autoDeploy ? 'the API as it is (auto-deploy)' : st.deploymentId ? `deployment ${st.deploymentId}` : 'nothing yet (no deployment)';

const apiFields = (a: HttpApiInfo) =>
  fields([
    ['api', a.apiId],
    ['name', a.name],
    ['user', a.userId],
    ['url', a.url],
    ['host url', a.hostUrl],
    ['throttle', throttleText(a.throttle)],
    ['stage variables', varsText(a.stageVariables)],
    ['$default serves', servesText(a)],
    ...a.stages.map((st): [string, string | null] => [
      `stage ${st.name}`,
      `${st.url}${varsText(st.stageVariables) ? ` (${varsText(st.stageVariables)})` : ''}, serves ${servesText(st)}`,
    ]),
    ['cors', a.cors ? JSON.stringify(a.cors) : null],
    ['created', time(a.createdAt)],
  ]);

export function httpApiCommands(program: Command): void {
  const api = program.command('http-api').description('HTTP APIs (API Gateway HTTP API): routes to functions, served by Hangar');

  clientOptions(
    api
      .command('create')
      .description('Create an HTTP API; prints its id and where it is served')
      .argument('<name>')
      .option('--throttle <rate/burst>', "every route's limit unless it has its own, e.g. 100/200", throttleOf)
      .option('--cors-origin <origin>', 'CORS: an allowed origin, or * (repeatable); the gateway answers preflights', collect)
      .option('--cors-method <method>', 'CORS: an allowed method, or * (repeatable)', collect)
      .option('--cors-header <name>', 'CORS: an allowed request header (repeatable)', collect)
      .option('--cors-max-age <s>', 'CORS: seconds a browser keeps a preflight answer', int)
      .option('--stage-var <name=value>', "a stage variable, in every route's event as stageVariables (repeatable)", stageVar)
      .option('--user <id>', 'admin keys: whose API'),
  ).action(
    async (
      name: string,
      flags: UserFlags & {
        throttle?: { rate: number; burst: number };
        corsOrigin?: string[];
        corsMethod?: string[];
        corsHeader?: string[];
        corsMaxAge?: number;
        stageVar?: Record<string, string>;
      },
    ) => {
      const cors = flags.corsOrigin
        ? {
            allowOrigins: flags.corsOrigin,
            allowMethods: flags.corsMethod ?? [],
            allowHeaders: flags.corsHeader ?? [],
            ...(flags.corsMaxAge !== undefined ? { maxAgeS: flags.corsMaxAge } : {}),
          }
        : undefined;
      const a = await clientFor(flags).httpApis.create(
        {
          name,
          ...(flags.throttle ? { throttle: flags.throttle } : {}),
          ...(cors ? { cors } : {}),
          ...(flags.stageVar ? { stageVariables: flags.stageVar } : {}),
        },
        flags.user,
      );
      if (flags.json) return printJson(a);
      print(`${a.apiId}: created, served at ${a.url}`);
    },
  );

  clientOptions(api.command('list').description('HTTP APIs (a user key: its own)').option('--user <id>', "admin keys: this user's")).action(
    async (flags: UserFlags) => {
      const { apis } = await clientFor(flags).httpApis.list(flags.user);
      if (flags.json) return printJson({ apis });
      print(
        apis.length > 0
          ? table(
              ['API', 'NAME', 'ROUTES', 'URL', 'CREATED'],
              apis.map((a) => [a.apiId, a.name, String(a.routeCount), a.url, time(a.createdAt)]),
            )
          : 'no HTTP APIs (hangar http-api create <name>)',
      );
    },
  );

  clientOptions(
    api.command('get').description('An HTTP API and its routes').argument('<apiId>').option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, flags: UserFlags) => {
    const client = clientFor(flags);
    const a = await client.httpApis.get(apiId, flags.user);
    const { routes } = await client.httpApis.routes(apiId, flags.user);
    if (flags.json) return printJson({ ...a, routes });
    print(`${apiFields(a)}\n\n${routes.length > 0 ? routeRows(routes) : 'no routes (hangar http-api route add ...)'}`);
  });

  clientOptions(
    api
      .command('export')
      .description("An HTTP API as an OpenAPI 3.0 document, as API Gateway's ExportApi writes it (JSON; --yaml), on stdout")
      .argument('<apiId>')
      .option('--yaml', 'YAML instead of JSON')
      .option('--no-extensions', "without API Gateway's x-amazon-apigateway-* members")
      .option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, flags: UserFlags & { yaml?: boolean; extensions: boolean }) => {
    const doc = await clientFor(flags).httpApis.openapi(apiId, flags.extensions, flags.user);
    // The YAML writer is loaded only when asked for: a client command stays small.
    if (flags.yaml) process.stdout.write((await import('yaml')).stringify(doc));
    else process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  });

  clientOptions(
    api
      .command('rm')
      .description('Delete an HTTP API with its routes (refused while a domain name maps it)')
      .argument('<apiId>')
      .option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, flags: UserFlags) => {
    const r = await clientFor(flags).httpApis.delete(apiId, flags.user);
    if (flags.json) return printJson(r);
    print(`${apiId}: deleted`);
  });

  clientOptions(
    api
      .command('deploy')
      .description('Deploy an HTTP API as it is now; with --stage, that stage serves it (if it does not auto-deploy)')
      .argument('<apiId>')
      .option('--stage <name>', '$default or a named stage')
      .option('--description <text>', "the deployment's description")
      .option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, flags: UserFlags & { stage?: string; description?: string }) => {
    const d = await clientFor(flags).httpApis.deploy(
      apiId,
      { ...(flags.stage ? { stage: flags.stage } : {}), ...(flags.description ? { description: flags.description } : {}) },
      flags.user,
    );
    if (flags.json) return printJson(d);
    print(`${apiId}: deployment ${d.deploymentId}${flags.stage ? ` (stage ${flags.stage})` : ''}`);
  });

  // `stage <apiId> <stage>` changes one; `stage create` and `stage rm` (subcommands: the program's
  // positional options keep each one's flags its own) make and delete named ones.
  const stageCmd = clientOptions(
    api
      .command('stage')
      .description(
        'Whether a stage auto-deploys, the deployment it serves (naming an earlier one rolls back), its variables; stage create|rm: named stages',
      )
      .argument('<apiId>')
      .argument('<stage>', '$default or a named stage')
      .option('--auto-deploy', 'serve the API as it is now')
      .option('--no-auto-deploy', 'serve only the deployment it names')
      .option('--deployment <id>', 'the deployment it serves')
      .option('--var <name=value>', "a stage variable, merged into the stage's (name= removes it; repeatable)", stageVar)
      .option('--throttle <rate/burst>', "the stage's default throttle, e.g. 100/200, or none ($default's: the API's)")
      .option(
        '--route-throttle <route=rate/burst>',
        "a route's own throttle in the stage, 'GET /x=10/20' or 'GET /x=none' (repeatable)",
        routeThrottle,
      )
      .option('--user <id>', 'admin keys: whose API'),
  ).action(
    async (
      apiId: string,
      stage: string,
      flags: UserFlags & StageThrottleFlags & { autoDeploy?: boolean; deployment?: string; var?: Record<string, string> },
    ) => {
      const a = await clientFor(flags).httpApis.setStage(
        apiId,
        stage,
        { ...stageDeploymentOf(flags), ...stageThrottlesOf(flags), ...(flags.var ? { variables: flags.var } : {}) },
        flags.user,
      );
      if (flags.json) return printJson(a);
      const st = stage === '$default' ? a : a.stages.find((s) => s.name === stage);
      print(`${apiId} ${stage}: serves ${st ? servesText(st) : '?'}`);
    },
  );

  clientOptions(
    stageCmd
      .command('create')
      .description("Add a named stage: the API's routes served at {url}/{name}/... with variables of its own")
      .argument('<apiId>')
      .argument('<name>', 'letters, digits, - and _')
      .option('--var <name=value>', "a stage variable, in every route's event of the stage (repeatable)", stageVar)
      .option('--no-auto-deploy', 'serve only the deployment --deployment names (default: the API as it is now)')
      .option('--deployment <id>', 'the deployment it serves (with --no-auto-deploy)')
      .option('--throttle <rate/burst>', "the stage's own default throttle, e.g. 100/200 (none given: none; $default's does not apply)")
      .option('--route-throttle <route=rate/burst>', "a route's own throttle in the stage, e.g. 'GET /x=10/20' (repeatable)", routeThrottle)
      .option('--user <id>', 'admin keys: whose API'),
  ).action(
    async (
      apiId: string,
      name: string,
      flags: UserFlags & StageThrottleFlags & { autoDeploy: boolean; deployment?: string; var?: Record<string, string> },
    ) => {
      const a = await clientFor(flags).httpApis.createStage(
        apiId,
        { name, ...(flags.var ? { variables: flags.var } : {}), ...stageDeploymentOf(flags), ...stageThrottlesOf(flags) },
        flags.user,
      );
      if (flags.json) return printJson(a);
      const st = a.stages.find((s) => s.name === name);
      print(`${apiId} ${name}: created, served at ${st?.url ?? '?'}`);
    },
  );

  clientOptions(
    stageCmd
      .command('rm')
      .description(
        'Delete a named stage; $default, which every API has, has its settings reset (throttles, variables; it auto-deploys again)',
      )
      .argument('<apiId>')
      .argument('<stage>', '$default or a named stage')
      .option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, stage: string, flags: UserFlags) => {
    const r = await clientFor(flags).httpApis.deleteStage(apiId, stage, flags.user);
    if (flags.json) return printJson(r);
    print(`${apiId} ${stage}: ${r.deleted ? 'deleted' : 'settings reset'}`);
  });

  const route = api.command('route').description("An HTTP API's routes");

  clientOptions(
    route
      .command('add')
      .description("Send a route key's requests to a function: 'GET /pets/{id}', 'ANY /{proxy+}' or '$default'")
      .argument('<apiId>')
      .argument('<routeKey>')
      .requiredOption('--function <name>', "the function (the API owner's), name or name:qualifier")
      .option(
        '--auth <kind>',
        'none (default), key (a Hangar key of the owner), jwt (with --issuer, --audience and optionally --jwks) or lambda (with --authorizer)',
      )
      .option('--issuer <url>', 'jwt: the iss tokens must carry')
      .option('--audience <aud>', 'jwt: an accepted aud (repeatable)', collect)
      .option('--jwks <url>', "jwt: the issuer's keys (a JWKS URL); default: the jwks_uri of the issuer's OpenID configuration")
      .option('--authorizer <name>', "lambda: the authorizer function (the API owner's), name or name:qualifier")
      .option(
        '--identity-source <expr>',
        'lambda: $request.header.X, $request.querystring.x, $context.x or $stageVariables.x (repeatable)',
        collect,
      )
      .option('--simple-responses', 'lambda: the function answers {isAuthorized, context} (default: an IAM policy)')
      .option('--authorizer-ttl <s>', 'lambda: seconds an answer is kept per identity (0-3600; needs --identity-source)', int)
      .option(
        '--authorizer-payload-format <version>',
        "lambda: the authorizer's own event, API Gateway's payload format 2.0 (default) or 1.0 (REST-like, methodArn; answers an IAM policy)",
      )
      .option('--throttle <rate/burst>', "this route's limit, e.g. 10/20", throttleOf)
      .option('--cache-ttl <s>', "seconds a GET's 200 answer is kept (0-3600)", int)
      .option(
        '--payload-format <version>',
        "the event the function gets: API Gateway's payload format 2.0 (default) or 1.0 (REST API shape)",
      )
      .option('--user <id>', 'admin keys: whose API'),
  ).action(
    async (
      apiId: string,
      routeKey: string,
      flags: UserFlags & {
        function: string;
        auth?: string;
        issuer?: string;
        audience?: string[];
        jwks?: string;
        authorizer?: string;
        identitySource?: string[];
        simpleResponses?: boolean;
        authorizerTtl?: number;
        authorizerPayloadFormat?: string;
        throttle?: { rate: number; burst: number };
        cacheTtl?: number;
        payloadFormat?: string;
      },
      cmd: Command,
    ) => {
      const kind = flags.auth ?? 'none';
      let auth: HttpRouteAuth;
      if (kind === 'none' || kind === 'key') auth = { kind };
      else if (kind === 'jwt') {
        if (!flags.issuer || !flags.audience) cmd.error('error: --auth jwt needs --issuer and --audience');
        auth = { kind, issuer: flags.issuer!, audience: flags.audience!, ...(flags.jwks ? { jwksUrl: flags.jwks } : {}) };
      } else if (kind === 'lambda') {
        if (!flags.authorizer) cmd.error('error: --auth lambda needs --authorizer');
        const authorizerFormat = flags.authorizerPayloadFormat;
        if (authorizerFormat !== undefined && authorizerFormat !== '1.0' && authorizerFormat !== '2.0')
          cmd.error(`error: --authorizer-payload-format must be 1.0 or 2.0, not '${authorizerFormat}'`);
        const [name, qualifier] = splitQualified(flags.authorizer!);
        auth = {
          kind,
          functionName: name,
          qualifier,
          identitySource: flags.identitySource ?? [],
          simpleResponses: flags.simpleResponses ?? false,
          resultTtlS: flags.authorizerTtl ?? 0,
          ...(authorizerFormat === '1.0' || authorizerFormat === '2.0' ? { payloadFormatVersion: authorizerFormat } : {}),
        };
      } else cmd.error(`error: --auth must be none, key, jwt or lambda, not '${kind}'`);
      const format = flags.payloadFormat;
      if (format !== undefined && format !== '1.0' && format !== '2.0')
        cmd.error(`error: --payload-format must be 1.0 or 2.0, not '${format}'`);
      const [functionName, qualifier] = splitQualified(flags.function);
      const r = await clientFor(flags).httpApis.addRoute(
        apiId,
        {
          routeKey,
          functionName,
          ...(qualifier === null ? {} : { qualifier }),
          auth: auth!,
          ...(flags.throttle ? { throttle: flags.throttle } : {}),
          ...(flags.cacheTtl !== undefined ? { cacheTtlS: flags.cacheTtl } : {}),
          ...(format === '1.0' || format === '2.0' ? { payloadFormatVersion: format } : {}),
        },
        flags.user,
      );
      if (flags.json) return printJson(r);
      print(`${apiId}: ${r.routeKey} → ${flags.function} (auth ${authText(r.auth)}, payload ${r.payloadFormatVersion})`);
    },
  );

  clientOptions(
    route.command('list').description("An HTTP API's routes").argument('<apiId>').option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, flags: UserFlags) => {
    const { routes } = await clientFor(flags).httpApis.routes(apiId, flags.user);
    if (flags.json) return printJson({ routes });
    print(routes.length > 0 ? routeRows(routes) : 'no routes (hangar http-api route add ...)');
  });

  clientOptions(
    route
      .command('rm')
      .description('Delete a route')
      .argument('<apiId>')
      .argument('<routeKey>')
      .option('--user <id>', 'admin keys: whose API'),
  ).action(async (apiId: string, routeKey: string, flags: UserFlags) => {
    const r = await clientFor(flags).httpApis.deleteRoute(apiId, routeKey, flags.user);
    if (flags.json) return printJson(r);
    print(`${apiId}: ${routeKey} deleted`);
  });
}
