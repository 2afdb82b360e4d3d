/**
 * Lambda's function operations (API version 2015-03-31): create, read, list, update, delete.
 * Each reads Lambda's request shape, calls a use case (src/app) as the caller's user, and
 * writes Lambda's response shape; refusals are domain errors, named in Lambda's words once
 * (index.ts).
 */
import {
  type AccountDirectory,
  createTaggedFunction,
  deleteFunction,
  deleteVersion,
  getConcurrency,
  getFunction,
  listFunctions,
  listTags,
  presignedCodeUrl,
  taggableFunction,
  updateFunctionCode,
  updateFunctionConfiguration,
} from '../../app/index.ts';
import {
  CrossAccountAction,
  ErrorCode,
  InvalidInput,
  LATEST,
  parseFunctionRef,
  policyQualifierOf,
  type FunctionConfigPatch,
  type FunctionSnapshot,
} from '../../core/index.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import { type LambdaContext, userOf } from './context.ts';
import { calledAs } from './cross-account.ts';
import { functionLayersIn } from './function-layers.ts';
import {
  checkUnsupported,
  codeOfRequest,
  environmentOf,
  field,
  functionConfiguration,
  functionRefOf,
  imageCodeLocation,
  imageConfigOf,
  jsonBody,
  loggingOf,
  maxItemsOf,
  zipOf,
} from './shapes.ts';
import { tagMapOf } from './tags.ts';

export { ANONYMOUS_USER } from './context.ts';
export { userOf };

/** The function name of a path label, checked against the caller's account when it is an ARN. */
export const nameOf = (call: AwsCall, label: string): string => functionRefOf(call.caller, label).name;

/** The configuration fields CreateFunction and UpdateFunctionConfiguration share. */
function configOf(body: Record<string, unknown>, functionName: string | undefined): FunctionConfigPatch {
  checkUnsupported(body, functionName);
  return {
    runtime: field.string(body, 'Runtime'),
    handler: field.string(body, 'Handler'),
    memoryMb: field.integer(body, 'MemorySize'),
    timeoutS: field.integer(body, 'Timeout'),
    description: field.string(body, 'Description'),
    environment: environmentOf(body),
    role: field.string(body, 'Role'),
    logging: loggingOf(body),
    imageConfig: imageConfigOf(body),
  };
}

/** The native API's address: HANGAR_PUBLIC_URL, else the scheme and Host the request came with. */
export function apiBase(ctx: { config: { publicUrl?: string; tlsCert?: string } }, call: AwsCall): string {
  const host = call.headers.host;
  return ctx.config.publicUrl ?? `${ctx.config.tlsCert ? 'https' : 'http'}://${Array.isArray(host) ? host[0] : (host ?? 'localhost')}`;
}

/** Where GetFunction's Code.Location points: Hangar's native download of the code on the
 *  native API's address, presigned for 10 minutes (no key needed), as Lambda's S3 URL is. */
function codeLocation(ctx: LambdaContext, call: AwsCall, f: FunctionSnapshot): string {
  return presignedCodeUrl(ctx, apiBase(ctx, call), f);
}

export function functionOperations(ctx: LambdaContext, accounts: AccountDirectory): RestOperation[] {
  return [
    {
      name: 'CreateFunction',
      method: 'POST',
      path: '/2015-03-31/functions',
      async run(call) {
        const body = jsonBody(call);
        const name = field.string(body, 'FunctionName');
        if (name === undefined) throw new InvalidInput(ErrorCode.FunctionInvalid, 'FunctionName is required');
        const code = field.object(body, 'Code');
        if (!code) throw new InvalidInput(ErrorCode.FunctionInvalid, 'Code is required: { "ZipFile": <the zip, base64> }');
        const config = configOf(body, functionRefOf(call.caller, name).name);
        const packageType = field.string(body, 'PackageType');
        const image = packageType === 'Image';
        if (config.runtime === undefined && !image)
          throw new InvalidInput(ErrorCode.FunctionInvalid, 'Runtime is required (nodejs22.x, python3.12, provided.al2023...)');
        if (config.imageConfig !== undefined && !image)
          throw new InvalidInput(ErrorCode.FunctionInvalid, 'ImageConfig applies to PackageType Image only');
        const f = await createTaggedFunction(ctx, userOf(call.caller), {
          name: functionRefOf(call.caller, name).name,
          ...codeOfRequest(code, packageType),
          config: { ...config, runtime: config.runtime ?? '', layers: await functionLayersIn(ctx, accounts, call, body) },
          publish: field.boolean(body, 'Publish'),
          tags: tagMapOf(body),
        });
        return { status: 201, body: functionConfiguration(call.caller, f, f.version === LATEST ? undefined : String(f.version)) };
      },
    },
    {
      name: 'ListFunctions',
      method: 'GET',
      path: '/2015-03-31/functions/',
      async run(call) {
        const user = userOf(call.caller);
        const all = call.query.get('FunctionVersion');
        if (all !== null && all !== 'ALL') throw new InvalidInput(ErrorCode.FunctionInvalid, "FunctionVersion may only be 'ALL'");
        const page = await listFunctions(ctx, user, { after: call.query.get('Marker') ?? undefined, limit: maxItemsOf(call.query) });
        const functions: Record<string, unknown>[] = [];
        for (const f of page.items) {
          functions.push(functionConfiguration(call.caller, f));
          // FunctionVersion=ALL: each function's published versions after it.
          if (all)
            for (const v of await ctx.functions.listVersions(user, f.name))
              functions.push(functionConfiguration(call.caller, v, String(v.version)));
        }
        return { status: 200, body: { Functions: functions, ...(page.nextCursor ? { NextMarker: page.nextCursor } : {}) } };
      },
    },
    {
      name: 'GetFunction',
      method: 'GET',
      path: '/2015-03-31/functions/{FunctionName}',
      async run(call, params) {
        const qualifier = call.query.get('Qualifier') ?? undefined;
        const as = await calledAs(ctx, accounts, call, params.FunctionName, qualifier, CrossAccountAction.GetFunction);
        const ref = parseFunctionRef(params.FunctionName, qualifier);
        const f = await getFunction(ctx, as.userId, ref.name, asked(ref.qualifier));
        const own = as.caller === undefined;
        // The function's tags, whatever the qualifier (they are not a version's); none: no Tags.
        // Another account gets none: Lambda answers Tags only to a caller allowed ListTags,
        // which a policy cannot grant across accounts here. Nor Concurrency: the reservation is
        // read with GetFunctionConcurrency, which another account cannot call here either, and
        // is the owner's share of their own capacity.
        const reserved = own ? await getConcurrency(ctx, as.userId, ref.name) : null;
        const tags = own ? await listTags(ctx, as.userId, taggableFunction(ctx, as.userId, ref.name)) : {};
        const config = functionConfiguration({ ...call.caller, accountId: as.accountId }, f, asked(ref.qualifier));
        // As GetFunctionConfiguration: the owner's environment stays theirs.
        if (!own) delete config.Environment;
        return {
          status: 200,
          body: {
            Configuration: config,
            // The owner's code, presigned: the other account downloads it without a key.
            Code: imageCodeLocation(f) ?? { RepositoryType: 'S3', Location: codeLocation(ctx, call, f) },
            ...(reserved === null ? {} : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
            ...(Object.keys(tags).length === 0 ? {} : { Tags: tags }),
          },
        };
      },
    },
    {
      name: 'GetFunctionConfiguration',
      method: 'GET',
      path: '/2015-03-31/functions/{FunctionName}/configuration',
      async run(call, params) {
        const qualifier = call.query.get('Qualifier') ?? undefined;
        const as = await calledAs(ctx, accounts, call, params.FunctionName, qualifier, CrossAccountAction.GetFunctionConfiguration);
        const ref = parseFunctionRef(params.FunctionName, qualifier);
        const f = await getFunction(ctx, as.userId, ref.name, asked(ref.qualifier));
        const config = functionConfiguration({ ...call.caller, accountId: as.accountId }, f, asked(ref.qualifier));
        // The owner's environment stays theirs: it is where a function's settings and keys are
        // kept, and Lambda encrypts it under a key of the owner's account that another account
        // cannot use. What else the configuration says is what the grant was for.
        if (as.caller !== undefined) delete config.Environment;
        return { status: 200, body: config };
      },
    },
    {
      name: 'UpdateFunctionCode',
      method: 'PUT',
      path: '/2015-03-31/functions/{FunctionName}/code',
      async run(call, params) {
        const body = jsonBody(call);
        checkUnsupported(body);
        const f = await updateFunctionCode(ctx, userOf(call.caller), nameOf(call, params.FunctionName), {
          ...(body.ImageUri === undefined || body.ImageUri === null ? { zip: zipOf(body) } : codeOfRequest(body, 'Image')),
          revisionId: field.string(body, 'RevisionId'),
          publish: field.boolean(body, 'Publish'),
          dryRun: field.boolean(body, 'DryRun'),
        });
        return { status: 200, body: functionConfiguration(call.caller, f, f.version === LATEST ? undefined : String(f.version)) };
      },
    },
    {
      name: 'UpdateFunctionConfiguration',
      method: 'PUT',
      path: '/2015-03-31/functions/{FunctionName}/configuration',
      async run(call, params) {
        const body = jsonBody(call);
        const config = { ...configOf(body, nameOf(call, params.FunctionName)), layers: await functionLayersIn(ctx, accounts, call, body) };
        const patch = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as FunctionConfigPatch;
        const f = await updateFunctionConfiguration(
          ctx,
          userOf(call.caller),
          nameOf(call, params.FunctionName),
          patch,
          field.string(body, 'RevisionId'),
        );
        return { status: 200, body: functionConfiguration(call.caller, f) };
      },
    },
    {
      name: 'DeleteFunction',
      method: 'DELETE',
      path: '/2015-03-31/functions/{FunctionName}',
      async run(call, params) {
        const qualifier = call.query.get('Qualifier');
        const ref = functionRefOf(call.caller, params.FunctionName, qualifier);
        const user = userOf(call.caller);
        // As Lambda: a version Qualifier deletes that version; $LATEST named explicitly or an
        // alias is refused (DeleteAlias removes an alias); none deletes the whole function.
        if (ref.qualifier.kind === 'version') await deleteVersion(ctx, user, ref.name, ref.qualifier.version);
        else if (ref.qualifier.kind === 'alias' || qualifier !== null || params.FunctionName.endsWith(':$LATEST'))
          throw new InvalidInput(
            ErrorCode.FunctionInvalid,
            'DeleteFunction takes a version number as Qualifier, or none to delete the function with all its versions and aliases',
          );
        else await deleteFunction(ctx, user, ref.name);
        return { status: 204 };
      },
    },
  ];
}

/** The qualifier as the caller gave it, for the answer's ARN (none for plain $LATEST). */
const asked = (q: ReturnType<typeof functionRefOf>['qualifier']): string | undefined => policyQualifierOf(q) || undefined;
