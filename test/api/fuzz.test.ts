/**
 * Schema-driven fuzzing of every operation in /openapi.json (fast-check): valid requests made
 * from each operation's own schemas, and mutated ones (a required field dropped, an unknown
 * field, a wrong type, an oversized or malformed body, a wrong content type, odd path and
 * query values). Every answer must be below 500, a status the document lists for that
 * operation, and a body that matches the documented schema for that status (ajv).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { seedExecution } from '../helpers/workflows.ts';
import { makeZip } from '../helpers/zip.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  const?: unknown;
  default?: unknown;
};
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

/** Values valid for a (JSON) schema, kept small so that runs stay fast. */
function arb(s: Schema, depth = 0): fc.Arbitrary<unknown> {
  const base = arbBase(s, depth);
  return s.nullable ? fc.oneof(base, fc.constant(null)) : base;
}
function arbBase(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return fc.oneof(...alts.map((x) => arb(x, depth)));
  if (s.allOf) return arb(Object.assign({}, ...s.allOf) as Schema, depth);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': {
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time')
        return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
      const max = Math.min(s.maxLength ?? 24, 24);
      if (s.pattern)
        return fc
          .stringMatching(new RegExp(s.pattern))
          .filter((x) => x.length >= (s.minLength ?? 0) && x.length <= (s.maxLength ?? Infinity));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.max(max, s.minLength ?? 0) });
    }
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e6), max: Math.min(s.maximum ?? 1000, 1e6) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arb(s.items ?? {}, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = arb(v, depth + 1);
      if (Object.keys(props).length === 0 && s.additionalProperties !== false) {
        if (depth > 2) return fc.constant({});
        const keys = s.propertyNames?.pattern ? fc.stringMatching(new RegExp(s.propertyNames.pattern)) : fc.string({ maxLength: 8 });
        const values =
          typeof s.additionalProperties === 'object' && Object.keys(s.additionalProperties).length > 0
            ? arb(s.additionalProperties, depth + 1)
            : fc.jsonValue({ maxDepth: 2 });
        return fc.dictionary(keys, values, { maxKeys: 3 });
      }
      return fc.record(model, { requiredKeys: [...required] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * A generated task body made to pass the rules JSON Schema cannot say (one way to run, an
 * image only with a program, no secrets that do not exist), so that valid submits are common.
 */
function runnable(b: unknown): unknown {
  const t = { ...(b as Record<string, unknown>) };
  delete t.secrets;
  delete t.image;
  // OpenAPI 3.0 cannot say that env keys are variable names (the API does: 400).
  delete t.env;
  if (t.args && t.shell) delete t.shell;
  if (!t.command && !t.args && !t.shell) t.command = 'noop';
  return t;
}

/** One way to spoil a valid body. */
const mutation = fc.oneof(
  fc.constant({ kind: 'drop-required' as const }),
  fc.record({
    kind: fc.constant('unknown-field' as const),
    key: fc.string({ minLength: 1, maxLength: 12 }),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant('wrong-type' as const),
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(null), fc.constant('x'.repeat(70_000))),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    text: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constant('{"a":'),
      fc.constant('['.repeat(40) + ']'.repeat(40)),
      fc.constant('null'),
      fc.constant('"str"'),
    ),
  }),
  fc.constant({ kind: 'oversized' as const }),
  fc.constant({ kind: 'content-type' as const }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
let p: TestPlatform;
let doc: { paths: Record<string, Record<string, Operation>> };
let taskId: string;
let userKey: string;
before(async () => {
  // No workers: submitted tasks stay queued; this is about the API's surface.
  // A poll of an activity a fuzzed create made waits this long, not 60 s. Tasks queued with no
  // worker on purpose are not the no_capacity alert's to report: past its `for` time (60 s, a
  // run on a loaded machine takes longer) it would make /health 503 at the end.
  p = await testPlatform({
    HANGAR_WORKERS: '0',
    HANGAR_BODY_LIMIT: '65536',
    HANGAR_ACTIVITY_POLL_MS: '10',
    HANGAR_ALERT_NO_CAPACITY: 'false',
  });
  doc = (await p.inject({ method: 'GET', url: '/openapi.json', auth: null })).json();
  taskId = (await p.inject({ method: 'POST', url: '/tasks', payload: { args: ['true'] } })).json().taskId;
  userKey = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'fuzzer' } })).json().key;
});

/** A function of the admin's (the fuzz's usual caller), so that function routes answer 200 too;
 *  made again before each function route, since a fuzzed DELETE may remove it. */
const FUNCTION = 'fuzzed';
const deployFunction = async () => {
  const zip = makeZip({ 'index.mjs': 'export const handler = async () => 1;\n' }).toString('base64');
  const r = await p.inject({ method: 'PUT', url: `/functions/${FUNCTION}`, payload: { zip, runtime: 'nodejs', handler: 'index.handler' } });
  assert.ok(r.statusCode === 200 || r.statusCode === 201, r.body);
  // A version with an alias on it, for the version and alias routes (a fuzzed DELETE may have
  // removed the last one: the publish then makes the next number).
  const v = await p.inject({ method: 'POST', url: `/functions/${FUNCTION}/versions`, payload: {} });
  assert.equal(v.statusCode, 201, v.body);
  const a = await p.inject({ method: 'PUT', url: `/functions/${FUNCTION}/aliases/live`, payload: { version: v.json().version } });
  assert.ok(a.statusCode === 200 || a.statusCode === 201, a.body);
};
/** An HTTP API of the admin's with a route to the function, for the /http-apis routes; made
 *  again when a fuzzed DELETE removed it. */
let apiId = 'noapiyet00';
const ROUTE_KEY = 'GET /fuzzed';
const ensureApi = async () => {
  if ((await p.inject({ method: 'GET', url: `/http-apis/${apiId}` })).statusCode !== 200) {
    const r = await p.inject({ method: 'POST', url: '/http-apis', payload: { name: 'fuzzed' } });
    assert.equal(r.statusCode, 201, r.body);
    apiId = r.json().apiId;
  }
  const key = encodeURIComponent(ROUTE_KEY);
  if ((await p.inject({ method: 'GET', url: `/http-apis/${apiId}/routes/${key}` })).statusCode !== 200) {
    const r = await p.inject({
      method: 'POST',
      url: `/http-apis/${apiId}/routes`,
      payload: { routeKey: ROUTE_KEY, functionName: FUNCTION },
    });
    assert.equal(r.statusCode, 201, r.body);
  }
};
/** A state machine of the admin's (named as the function) and an execution of it, for the
 *  workflow routes; made again when a fuzzed DELETE removed the machine. */
let executionId = 'noexecutionyet';
/** A Map Run of that execution (seeded with it). */
let mapRunId = 'nomaprunyet';
const ensureWorkflow = async () => {
  let m = await p.inject({ method: 'GET', url: `/state-machines/${FUNCTION}` });
  if (m.statusCode !== 200) {
    const definition = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    m = await p.inject({ method: 'POST', url: '/state-machines', payload: { name: FUNCTION, definition } });
    assert.equal(m.statusCode, 201, m.body);
  }
  if ((await p.inject({ method: 'GET', url: `/executions/${executionId}` })).statusCode !== 200) {
    const name = `fuzzed-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    mapRunId = randomUUID();
    executionId = (await seedExecution(p, { userId: m.json().userId, machine: FUNCTION, name, mapRuns: [mapRunId] })).id;
  }
};
after(async () => p.close());

function check(
  method: string,
  path: string,
  op: Operation,
  status: number,
  contentType: string | undefined,
  body: string,
  what: string,
): void {
  // This platform runs no workers, so a valid invocation finds no function host here: its
  // documented 503 (every bad input is refused with a 4xx before that point).
  const noHost = status === 503 && path === '/functions/{name}/invoke';
  assert.ok(status < 500 || noHost, `${what} → ${status} ${body.slice(0, 300)}`);
  const documented = op.responses[String(status)];
  assert.ok(documented, `${what} → ${status}, which ${method.toUpperCase()} ${path} does not document (${Object.keys(op.responses)})`);
  if (!documented.content) return;
  const json = documented.content['application/json'] ?? Object.values(documented.content)[0];
  let value: unknown = body;
  if (contentType?.includes('json')) value = JSON.parse(body);
  const validate = ajv.compile(json.schema);
  assert.ok(
    validate(value),
    `${what} → ${status}: body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 300)}`,
  );
}

it('every operation answers valid and mutated requests with a documented status and body, never a 5xx', async () => {
  let requests = 0;
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  assert.ok(ops.length >= 15, `operations: ${ops.length}`);
  const functionOps = ops.filter((o) => o.path.startsWith('/functions')).map((o) => `${o.method.toUpperCase()} ${o.path}`);
  assert.deepEqual(functionOps.sort(), [
    'DELETE /functions/{name}',
    'DELETE /functions/{name}/aliases/{alias}',
    'DELETE /functions/{name}/circuit-breaker',
    'DELETE /functions/{name}/concurrency',
    'DELETE /functions/{name}/event-config',
    'DELETE /functions/{name}/policy/{sid}',
    'DELETE /functions/{name}/provisioned-concurrency',
    'DELETE /functions/{name}/tags',
    'DELETE /functions/{name}/url',
    'DELETE /functions/{name}/versions/{n}',
    'GET /functions',
    'GET /functions/{name}',
    'GET /functions/{name}/aliases',
    'GET /functions/{name}/aliases/{alias}',
    'GET /functions/{name}/circuit-breaker',
    'GET /functions/{name}/code',
    'GET /functions/{name}/event-config',
    'GET /functions/{name}/event-configs',
    'GET /functions/{name}/invocations',
    'GET /functions/{name}/logs',
    'GET /functions/{name}/logs/live',
    'GET /functions/{name}/policy',
    'GET /functions/{name}/provisioned-concurrency',
    'GET /functions/{name}/tags',
    'GET /functions/{name}/url',
    'GET /functions/{name}/versions',
    'GET /functions/{name}/versions/{n}',
    'POST /functions/{name}/invoke',
    'POST /functions/{name}/tags',
    'POST /functions/{name}/versions',
    'PUT /functions/{name}',
    'PUT /functions/{name}/aliases/{alias}',
    'PUT /functions/{name}/circuit-breaker',
    'PUT /functions/{name}/concurrency',
    'PUT /functions/{name}/event-config',
    'PUT /functions/{name}/policy/{sid}',
    'PUT /functions/{name}/provisioned-concurrency',
    'PUT /functions/{name}/url',
  ]);
  const httpApiOps = ops.filter((o) => o.path.startsWith('/http-apis')).map((o) => `${o.method.toUpperCase()} ${o.path}`);
  assert.deepEqual(httpApiOps.sort(), [
    'DELETE /http-apis/{apiId}',
    'DELETE /http-apis/{apiId}/deployments/{deploymentId}',
    'DELETE /http-apis/{apiId}/routes/{routeKey}',
    'DELETE /http-apis/{apiId}/stages/{stageName}',
    'DELETE /http-apis/{apiId}/tags',
    'GET /http-apis',
    'GET /http-apis/{apiId}',
    'GET /http-apis/{apiId}/deployments',
    'GET /http-apis/{apiId}/domain-mappings',
    'GET /http-apis/{apiId}/openapi',
    'GET /http-apis/{apiId}/routes',
    'GET /http-apis/{apiId}/routes/{routeKey}',
    'GET /http-apis/{apiId}/tags',
    'PATCH /http-apis/{apiId}',
    'PATCH /http-apis/{apiId}/routes/{routeKey}',
    'PATCH /http-apis/{apiId}/stages/{stageName}',
    'POST /http-apis',
    'POST /http-apis/{apiId}/deployments',
    'POST /http-apis/{apiId}/routes',
    'POST /http-apis/{apiId}/stages',
    'POST /http-apis/{apiId}/tags',
  ]);
  const workflowOps = ops
    .filter((o) => ['/state-machines', '/executions', '/task-tokens', '/map-runs', '/activities'].some((w) => o.path.startsWith(w)))
    .map((o) => `${o.method.toUpperCase()} ${o.path}`);
  assert.deepEqual(workflowOps.sort(), [
    'DELETE /activities/{name}',
    'DELETE /activities/{name}/tags',
    'DELETE /state-machines/{name}',
    'DELETE /state-machines/{name}/aliases/{alias}',
    'DELETE /state-machines/{name}/tags',
    'DELETE /state-machines/{name}/versions/{version}',
    'GET /activities',
    'GET /activities/{name}',
    'GET /activities/{name}/tags',
    'GET /executions',
    'GET /executions/{id}',
    'GET /executions/{id}/history',
    'GET /executions/{id}/map-runs',
    'GET /map-runs/{id}',
    'GET /map-runs/{id}/executions',
    'GET /state-machines',
    'GET /state-machines/{name}',
    'GET /state-machines/{name}/aliases',
    'GET /state-machines/{name}/aliases/{alias}',
    'GET /state-machines/{name}/tags',
    'GET /state-machines/{name}/versions',
    'GET /state-machines/{name}/versions/{version}',
    'PATCH /map-runs/{id}',
    'PATCH /state-machines/{name}',
    'PATCH /state-machines/{name}/aliases/{alias}',
    'POST /activities',
    'POST /activities/{name}/poll',
    'POST /activities/{name}/tags',
    'POST /executions/{id}/redrive',
    'POST /executions/{id}/stop',
    'POST /state-machines',
    'POST /state-machines/test-state',
    'POST /state-machines/{name}/aliases',
    'POST /state-machines/{name}/executions',
    'POST /state-machines/{name}/tags',
    'POST /state-machines/{name}/versions',
    'POST /task-tokens/failure',
    'POST /task-tokens/heartbeat',
    'POST /task-tokens/success',
  ]);
  for (const { path, method, op } of ops) {
    if (path.startsWith('/functions') || path.startsWith('/http-apis')) await deployFunction();
    if (path.startsWith('/http-apis')) await ensureApi();
    if (path.startsWith('/state-machines') || path.startsWith('/executions') || path.startsWith('/map-runs')) await ensureWorkflow();
    const params = op.parameters ?? [];
    const bodySchema = op.requestBody?.content['application/json']?.schema;
    const input = fc.record({
      path: fc.record(
        Object.fromEntries(
          params
            .filter((x) => x.in === 'path')
            .map((x) => [
              x.name,
              fc.oneof(
                arb(x.schema),
                fc.constant(taskId),
                fc.constant(FUNCTION),
                fc.constant(apiId),
                fc.constant(ROUTE_KEY),
                fc.constant(executionId),
                fc.constant(mapRunId),
                fc.string({ maxLength: 40 }),
              ),
            ]),
        ),
      ),
      query: fc.record(
        Object.fromEntries(
          params
            .filter((x) => x.in === 'query')
            .map((x) => [
              x.name,
              fc.oneof({ weight: 4, arbitrary: arb(x.schema) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
            ]),
        ),
        { requiredKeys: [] },
      ),
      body: !bodySchema
        ? fc.constant(undefined)
        : path === '/tasks'
          ? fc.oneof(arb(bodySchema), arb(bodySchema).map(runnable))
          : arb(bodySchema),
      mutate: fc.option(mutation, { freq: 2 }),
      auth: fc.constantFrom<'admin' | 'user' | 'none' | 'bad'>('admin', 'admin', 'user', 'none', 'bad'),
    });
    await fc.assert(
      fc.asyncProperty(input, async (x) => {
        let url = path;
        for (const [k, v] of Object.entries(x.path)) url = url.replace(`{${k}}`, encodeURIComponent(String(v)));
        const qs = new URLSearchParams(
          Object.entries(x.query).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        );
        if ([...qs].length) url += `?${qs}`;
        const headers: Record<string, string> = {};
        let payload: string | undefined;
        if (x.body !== undefined || x.mutate) {
          headers['content-type'] = 'application/json';
          payload = applyMutation(x.body, x.mutate, bodySchema);
          if (x.mutate?.kind === 'content-type') headers['content-type'] = 'text/plain';
        }
        const auth = x.auth === 'admin' ? undefined : x.auth === 'user' ? userKey : x.auth === 'bad' ? 'hk_' + 'b'.repeat(43) : null;
        // A live stream (SSE) that is accepted does not end: its status and headers are checked,
        // and it is left open (the platform's close ends it); any other answer is read whole.
        const live = path.endsWith('/logs/live');
        const res = await p.inject({ method: method.toUpperCase() as 'GET', url, headers, payload, auth, payloadAsStream: live });
        const body = !live ? res.body : res.statusCode === 200 ? '' : Buffer.concat(await res.stream().toArray()).toString();
        requests++;
        check(
          method,
          path,
          op,
          res.statusCode,
          res.headers['content-type'] as string | undefined,
          body,
          `${method.toUpperCase()} ${url} ${payload?.slice(0, 200) ?? ''} (${x.auth}${x.mutate ? ', ' + x.mutate.kind : ''})`,
        );
      }),
      { numRuns: 200, seed: Number(process.env.HANGAR_FUZZ_SEED ?? 42) },
    );
  }
  assert.ok(requests >= ops.length * 200);
  // Nothing accepted was lost, and the server still works.
  assert.equal((await p.inject({ method: 'GET', url: `/tasks/${taskId}` })).statusCode, 200);
  assert.equal((await p.inject({ method: 'GET', url: '/health', auth: null })).statusCode, 200);
});

function applyMutation(body: unknown, m: Mutation | null, schema: Schema | undefined): string {
  if (!m) return JSON.stringify(body ?? {});
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  switch (m.kind) {
    case 'drop-required': {
      const req = schema?.required ?? Object.keys(obj);
      if (req.length > 0) delete obj[req[0]];
      return JSON.stringify(obj);
    }
    case 'unknown-field':
      return JSON.stringify({ ...obj, [`x_${m.key}`]: m.value });
    case 'wrong-type': {
      const keys = Object.keys(schema?.properties ?? {});
      return JSON.stringify(keys.length ? { ...obj, [keys[0]]: m.value } : m.value);
    }
    case 'raw':
      return m.text;
    case 'oversized':
      return JSON.stringify({ ...obj, pad: 'x'.repeat(70_000) });
    case 'content-type':
      return JSON.stringify(obj);
  }
}
