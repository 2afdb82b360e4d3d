/**
 * /functions (issue 23): a user's functions, over the use cases the Lambda-compatible API calls
 * too (app/functions.ts), so both surfaces agree on what a function is and which input is refused.
 *
 * Deploy is one request, `PUT /functions/{name}` with JSON: the configuration and the zip in
 * base64 (`zip`), as Lambda's CreateFunction takes its ZipFile, or instead of the zip a version
 * of one of the user's projects (`project`), zipped on the server (app/function-project.ts). Not a raw application/zip body
 * on `/code` beside a JSON configuration: a function exists only with code and runs only with a
 * configuration, so a create needs both, and two requests would need a staged upload between
 * them that could be left behind. One request is checked whole (runtime, memory, zip...) before
 * anything is stored. Its cost: a third more bytes on the wire and the body held once as text,
 * ~67 MB at Lambda's 50 MB zip limit, which only this route accepts (its own bodyLimit).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  circuitBreakerOf,
  deleteFunction,
  deployFunction,
  functionCode,
  functionCodeUrl,
  functionLayersOf,
  functionOwner,
  getFunction,
  listFunctions,
  MAX_ZIP_BYTES,
  presignedFunctionCode,
  projectCodeZip,
} from '../../app/index.ts';
import {
  APPLICATION_LOG_LEVELS,
  checkFunctionName,
  ErrorCode,
  FUNCTION_LIMITS,
  type FunctionSnapshot,
  InvalidInput,
  SYSTEM_LOG_LEVELS,
} from '../../core/index.ts';
import { presignedRequest, principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl } from '../present.ts';
import { Problem, UserId } from '../schemas.ts';
import { BreakerView, breakerView } from './breaker-view.ts';

/** The longest base64 text of a zip Lambda accepts, and room for the configuration beside it
 *  (environment at most 4 KB; secrets' names, description, handler: well under 60 KB). */
export const DEPLOY_BODY_LIMIT = Math.ceil(MAX_ZIP_BYTES / 3) * 4 + 64 * 1024;

// Types only: ranges and formats (runtime names, memory, timeout, environment keys, the zip) are
// checked once in core, so a refusal carries the same code (FUNCTION_INVALID) on every surface.
const L = FUNCTION_LIMITS;
const DeployBody = z.strictObject({
  zip: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the zip must be base64')
    .optional()
    .describe(
      `The code: a zip, base64 (at most ${MAX_ZIP_BYTES / 1024 / 1024} MB before encoding), as Lambda's ZipFile. Or give \`project\`.`,
    ),
  project: z
    .strictObject({
      projectId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'project ids are [A-Za-z0-9_-]'),
      version: z.int().min(1).optional().describe("Default: the project's latest version."),
    })
    .optional()
    .describe("The code: the files of a version of the user's own project, zipped by the server (instead of `zip`)."),
  image: z
    .string()
    .max(256)
    .optional()
    .describe(
      "The code: a container image imported here (`hangar image import`), by its name or an ImageUri whose repository's last path segment names it, as Lambda's PackageType Image (instead of `zip` or `project`; no `runtime`, `handler` or `layers` with it). See docs/aws.md, Container images.",
    ),
  imageConfig: z
    .strictObject({
      entryPoint: z.array(z.string().max(1024)).max(1500).optional().describe("Replaces the image's ENTRYPOINT."),
      command: z
        .array(z.string().max(1024))
        .max(1500)
        .optional()
        .describe("Replaces the image's CMD (a handler name, for the AWS base images)."),
      workingDirectory: z.string().max(1000).optional().describe("Replaces the image's WorkingDir: an absolute path."),
    })
    .optional()
    .describe("An image function's ImageConfig overrides (Lambda's ImageConfig), replaced whole when given; image functions only."),
  runtime: z
    .string()
    .max(64)
    .optional()
    .describe('Needed for a new function: nodejs (or nodejs22.x ...), python3 (python3.12 ...), provided (provided.al2023 ...).'),
  handler: z.string().max(256).nullable().optional().describe('file.export (index.handler); none for provided.'),
  memoryMb: z
    .int()
    .optional()
    .describe(`${L.memoryMinMb}-${L.memoryMaxMb}; default ${L.memoryDefaultMb}. CPU in proportion (1,769 MB = 1 vCPU).`),
  timeoutS: z.int().optional().describe(`Seconds, ${L.timeoutMinS}-${L.timeoutMaxS}; default ${L.timeoutDefaultS}.`),
  environment: z
    .record(z.string(), z.string())
    .optional()
    .describe(`Replaces the whole environment; keys and values ${L.environmentMaxBytes} bytes at most.`),
  secrets: z
    .array(z.string().max(256))
    .max(256)
    .optional()
    .describe("Names of the user's secrets, given to the function as environment variables."),
  network: z.enum(['none', 'egress']).optional().describe('`none` (default) or `egress` through the guarded proxy, as tasks.'),
  description: z.string().max(1024).optional(),
  layers: z
    .array(z.strictObject({ name: z.string().max(256), version: z.int().min(1) }))
    .max(16)
    .optional()
    .describe(`Layer versions of the user's (at most ${L.layersMax}, one per layer), laid out at /opt in this order; replaces the list.`),
  logging: z
    .strictObject({
      format: z.string().max(16).optional().describe('`Text` (default: the output as printed) or `JSON` (one JSON record a line).'),
      applicationLogLevel: z
        .string()
        .max(16)
        .optional()
        .describe(`JSON only: the function's records kept, at this level and above (${APPLICATION_LOG_LEVELS.join(', ')}; default INFO).`),
      systemLogLevel: z
        .string()
        .max(16)
        .optional()
        .describe(`JSON only: the platform's records kept (${SYSTEM_LOG_LEVELS.join(', ')}; default INFO).`),
    })
    .optional()
    .describe("Lambda's LoggingConfig. A format given replaces the logging; levels alone change the current JSON logging's."),
});

export const CodeView = z.object({
  sha256: z.string().describe("SHA-256 of the zip, base64 (Lambda's CodeSha256)."),
  size: z.number(),
  url: z.string().describe('GET it (with a key) for the zip.'),
});
export const FunctionView = z.object({
  name: z.string(),
  userId: z.string(),
  version: z.string().describe('$LATEST, or a published version number.'),
  runtime: z.string(),
  runtimeFamily: z.enum(['nodejs', 'python3', 'provided']),
  handler: z.string().nullable(),
  memoryMb: z.number(),
  timeoutS: z.number(),
  environment: z.record(z.string(), z.string()),
  secrets: z.array(z.string()),
  network: z.string(),
  description: z.string(),
  state: z.string(),
  revisionId: z.string(),
  lastModified: z.string(),
  code: CodeView,
  layers: z.array(
    z.object({
      name: z.string(),
      version: z.number(),
      userId: z.string().optional().describe("Whose layer, when another user's shared it (named by its ARN on the Lambda API)."),
      codeSha256: z.string(),
      codeSize: z.number(),
    }),
  ),
  logging: z.object({
    format: z.enum(['Text', 'JSON']),
    applicationLogLevel: z.string().optional().describe('JSON only.'),
    systemLogLevel: z.string().optional().describe('JSON only.'),
  }),
  image: z
    .object({
      uri: z.string().describe('The ImageUri it was given.'),
      name: z.string().describe('The imported image (`hangar image import`) the URI names: its repository’s last path segment.'),
      entryPoint: z.array(z.string()).optional(),
      command: z.array(z.string()).optional(),
      workingDirectory: z.string().optional(),
    })
    .optional()
    .describe(
      "A function packaged as a container image (the Lambda API's PackageType Image): its image and ImageConfig overrides (entryPoint, command, workingDirectory). Absent for a zip. See docs/aws.md, Container images.",
    ),
});
const FunctionDetail = FunctionView.extend({
  versions: z.number().describe('Published versions (not counting $LATEST).'),
  circuitBreaker: BreakerView.nullable().describe('Its circuit breaker and state (GET /functions/{name}/circuit-breaker); null: none.'),
});

export const NameParams = z.strictObject({ name: z.string().max(256) });
export const OwnerQuery = z.strictObject({
  userId: UserId.optional().describe("Admin keys only: whose function (default: the key's user)."),
});
export const QualifiedQuery = OwnerQuery.extend({
  qualifier: z.string().max(256).optional().describe('$LATEST (default), a published version number or an alias.'),
});

/** A presigned download's query (app/downloads.ts): Lambda's Code.Location and Content.Location
 *  are the download routes' URLs with these, which open without a key. */
export const PresignedParams = {
  expires: z.string().optional().describe("A presigned URL's expiry (Unix seconds), signed with it."),
  signature: z
    .string()
    .optional()
    .describe(
      "A presigned URL's signature (as GetFunction's Code.Location or GetLayerVersion's Content.Location gives it): with it no key is needed; " +
        'one expired (after 10 minutes), altered or made for another zip is 403.',
    ),
};
const CodeQuery = QualifiedQuery.extend({
  ...PresignedParams,
  sha256: z.string().optional().describe("With `signature`: the code's SHA-256 (hex) the presigned URL was made for, signed with it."),
});
/** The security of a download route: a key, or a presigned URL's signature (the empty scheme). */
export const KEY_OR_SIGNATURE: { [scheme: string]: string[] }[] = [{ apiKey: [] }, {}];

/** A download of a zip (a function's code, a layer's content): its responses, and the reply. */
export const ZIP_RESPONSE = {
  200: { description: 'The zip', content: { 'application/zip': { schema: z.string() } } },
  403: Problem,
  404: Problem,
};
export function sendZip(reply: FastifyReply, filename: string, sha256: string, zip: Buffer): FastifyReply {
  return reply
    .type('application/zip')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('x-hangar-code-sha256', sha256)
    .send(zip);
}

/** A function (at $LATEST or a version) as the native API shows it; the code's URL as the caller may follow it. */
export function functionView(base: string, f: FunctionSnapshot, callerUserId: string | null): z.infer<typeof FunctionView> {
  return {
    name: f.name,
    userId: f.userId,
    version: String(f.version),
    runtime: f.runtime,
    runtimeFamily: f.runtimeFamily,
    handler: f.handler,
    memoryMb: f.memoryMb,
    timeoutS: f.timeoutS,
    environment: f.environment,
    secrets: f.secrets,
    network: f.network,
    description: f.description,
    state: f.state,
    revisionId: f.revisionId,
    lastModified: new Date(f.lastModified).toISOString(),
    code: { sha256: f.code.sha256, size: f.code.size, url: functionCodeUrl(base, f, callerUserId) },
    layers: f.layers.map((l) => ({
      name: l.name,
      version: l.version,
      ...(l.ownerId === undefined ? {} : { userId: l.ownerId }),
      codeSha256: l.code.sha256,
      codeSize: l.code.size,
    })),
    logging: f.logging ?? { format: 'Text' },
    ...(f.code.image ? { image: { ...f.code.image, ...f.imageConfig } } : {}),
  };
}

export function functionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const view = (req: FastifyRequest, f: FunctionSnapshot) => functionView(baseUrl(ctx, req), f, principalOf(req).userId);

  r.put(
    '/functions/:name',
    {
      bodyLimit: DEPLOY_BODY_LIMIT,
      schema: {
        summary: 'Deploy a function: create it, or update its code and the configuration fields given',
        description:
          'A new function needs `runtime` (and `handler` unless provided) or `image`; an existing one keeps every field not given. ' +
          "The code is `zip`, `project` (a version of one of the owner's projects, zipped by the server: 404 if there is none) " +
          'or `image` (an imported container image, by name or ImageUri; then no `runtime`, `handler` or `layers`, and `imageConfig` may override what it runs). ' +
          'The zip and the configuration are checked before anything changes: a refusal changes nothing.',
        tags: ['functions'],
        params: NameParams,
        querystring: OwnerQuery,
        body: DeployBody,
        response: { 201: FunctionView, 200: FunctionView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const { zip, project, image, layers, ...rest } = req.body;
      const userId = owner(req, req.query.userId);
      if ([zip, project, image].filter((c) => c !== undefined).length !== 1) {
        throw new InvalidInput(ErrorCode.FunctionInvalid, 'give the code as `zip`, as `project` or as `image` (one of them)');
      }
      if (image !== undefined && (rest.runtime !== undefined || rest.handler != null || layers !== undefined)) {
        throw new InvalidInput(
          ErrorCode.FunctionInvalid,
          'a function packaged as an image has no `runtime`, `handler` or `layers`: its image brings them (imageConfig overrides what it runs)',
        );
      }
      const config = { ...rest, layers: layers && (await functionLayersOf(ctx, userId, layers)) };
      const code =
        image !== undefined
          ? { imageUri: image }
          : { zip: project ? (await projectCodeZip(ctx, userId, project)).zip : Buffer.from(zip ?? '', 'base64') };
      const done = await deployFunction(ctx, userId, { name: req.params.name, ...code, config });
      req.auditTarget = `${userId}/${done.function.name}`;
      return reply.code(done.created ? 201 : 200).send(view(req, done.function));
    },
  );

  r.get(
    '/functions',
    {
      schema: {
        summary: "A user's functions by name (a user key: its own)",
        tags: ['functions'],
        querystring: OwnerQuery.extend({
          cursor: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ functions: z.array(FunctionView), nextCursor: z.string().nullable() }), 403: Problem },
      },
    },
    async (req) => {
      const page = await listFunctions(ctx, owner(req, req.query.userId), { after: req.query.cursor, limit: req.query.limit });
      return { functions: page.items.map((f) => view(req, f)), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/functions/:name',
    {
      schema: {
        summary: 'A function: its configuration, its code (SHA-256, size, where to get it) and how many versions it has',
        description: 'The ETag is its revision: send it as If-Match to publish only what was read.',
        tags: ['functions'],
        params: NameParams,
        querystring: QualifiedQuery,
        response: { 200: FunctionDetail, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const f = await getFunction(ctx, userId, checkFunctionName(req.params.name), req.query.qualifier);
      // The revision, for If-Match on the conditional routes (function-versions.ts).
      reply.header('etag', `"${f.revisionId}"`);
      // One indexed read of the function's version rows, and its breaker's (cached): cheap
      // beside the read above.
      const [versions, breaker] = await Promise.all([ctx.functions.listVersions(userId, f.name), circuitBreakerOf(ctx, userId, f.name)]);
      return { ...view(req, f), versions: versions.length, circuitBreaker: breaker && breakerView(breaker) };
    },
  );

  // The body is a zip, not JSON: registered without the typed provider's serializer.
  app.get<{ Params: z.infer<typeof NameParams>; Querystring: z.infer<typeof CodeQuery> }>(
    '/functions/:name/code',
    {
      config: { presigned: true },
      schema: {
        summary: "A function's code, the zip as deployed",
        description:
          "With a key, or without one by the presigned URL (`expires`, `signature`) that Lambda's GetFunction gives as Code.Location.",
        tags: ['functions'],
        params: NameParams,
        querystring: CodeQuery,
        security: KEY_OR_SIGNATURE,
        response: ZIP_RESPONSE,
      },
    },
    async (req, reply) => {
      if (presignedRequest(req)) {
        const { name, sha256, zip } = await presignedFunctionCode(ctx, req.params.name, req.query);
        return sendZip(reply, `${name}.zip`, sha256, zip);
      }
      const { function: f, zip } = await functionCode(
        ctx,
        owner(req, req.query.userId),
        checkFunctionName(req.params.name),
        req.query.qualifier,
      );
      return sendZip(reply, `${f.name}.zip`, f.code.sha256, zip);
    },
  );

  r.delete(
    '/functions/:name',
    {
      schema: {
        summary: 'Delete a function with its versions and aliases',
        tags: ['functions'],
        params: NameParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ name: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteFunction(ctx, userId, req.params.name);
      req.auditTarget = `${userId}/${req.params.name}`;
      return { name: req.params.name, deleted: true as const };
    },
  );
}
