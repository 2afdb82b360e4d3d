/**
 * The AWS edge as the next services will use it: an awsJson1_0 adapter (X-Amz-Target, `__type`
 * errors) plugged in beside nothing else, over a real SQLite store, real keys and requests
 * signed by the AWS SDK's signer. What an adapter gets (the caller), what it may throw (AwsError,
 * domain errors, anything) and how each comes out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import Fastify, { type FastifyInstance } from 'fastify';
import { CircuitBreakers, InvocationRecorder } from '../../src/app/index.ts';
import { Authenticator, createKey } from '../../src/auth/index.ts';
import { AwsError, accountIdOf, Protocol, registerAws, type AwsService } from '../../src/aws/index.ts';
import { Sha256 } from '../../src/aws/sigv4.ts';
import { ErrorCode, NotFound, systemClock } from '../../src/core/index.ts';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { SecretBox } from '../../src/secrets/index.ts';
import { SqliteStore } from '../../src/store/index.ts';

const REGION = 'us-east-1';

/** A service as Step Functions or SQS will be: every operation a POST / named by X-Amz-Target. */
const echo: AwsService = {
  signingName: 'echo',
  protocol: Protocol.AwsJson1_0,
  targetPrefix: 'Echo_20240101',
  refusals: { 'unknown-key': { type: 'InvalidClientTokenId', status: 403 } },
  domainErrors: { 'not-found': { type: 'EchoDoesNotExist', status: 400 } },
  async handle(call) {
    const target = String(call.headers['x-amz-target']);
    const op = target.slice(target.indexOf('.') + 1);
    if (op === 'Echo') {
      call.named(op);
      return {
        status: 200,
        body: { userId: call.caller.principal.userId, accountId: call.caller.accountId, input: JSON.parse(call.body.toString()) },
      };
    }
    if (op === 'Missing') throw new NotFound(ErrorCode.NotFound, 'no such echo');
    if (op === 'Boom') throw new Error('a bug with a secret in its message');
    throw new AwsError('UnknownOperationException', 400, `unknown operation ${op}`);
  },
};

let dir: string;
let store: SqliteStore;
let auth: Authenticator;
let app: FastifyInstance;
let key: { id: string; raw: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-aws-'));
  store = new SqliteStore({ path: join(dir, 'db') });
  const box = new SecretBox(randomBytes(32));
  auth = new Authenticator(store, systemClock, { secrets: box });
  const made = await createKey(store, box, 'u1', 'user', null);
  key = { id: made.record.id, raw: made.raw };
  app = Fastify();
  await registerAws(
    app,
    {
      auth,
      secrets: box,
      clock: systemClock,
      config: { awsRegion: REGION, visibilityTimeout: 900 },
      capacity: { slots: async () => ({ total: 0, busy: 0 }) },
      store,
      functions: store.functions,
      layers: store.layers,
      httpApis: store.httpApis,
      httpDeploymentSnapshots: store.httpDeploymentSnapshots,
      domainNames: store.domainNames,
      workflows: store.workflows,
      activities: store.activities,
      stateMachineVersions: store.stateMachineVersions,
      workflowRunner: null,
      functionAccess: store.functionAccess,
      provisioned: store.provisioned,
      scalableTargets: store.scalableTargets,
      tags: store.tags,
      functionHost: { current: null },
      blobs: new DiskBlobStore(join(dir, 'blobs')),
      invocations: new InvocationRecorder({
        store: store.functionInvocations,
        blobs: new DiskBlobStore(join(dir, 'blobs')),
        metrics: new Metrics(store).functions,
        clock: systemClock,
        log: createLogger('silent'),
      }),
      breakers: new CircuitBreakers({ clock: systemClock }),
    },
    [echo],
  );
  await app.ready();
});
after(async () => {
  await app.close();
  auth.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(op: string, body: string, opts: { keyId?: string; signed?: boolean } = {}) {
  const headers: Record<string, string> = {
    host: 'localhost:80',
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `Echo_20240101.${op}`,
  };
  const signer = new SignatureV4({
    service: 'echo',
    region: REGION,
    credentials: { accessKeyId: opts.keyId ?? key.id, secretAccessKey: key.raw },
    sha256: Sha256,
  });
  const req =
    opts.signed === false
      ? { headers }
      : await signer.sign({ method: 'POST', protocol: 'http:', hostname: 'localhost', path: '/', query: {}, headers, body });
  const res = await app.inject({ method: 'POST', url: '/', headers: req.headers, payload: body });
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json(), requestId: res.headers['x-amzn-requestid'] };
}

describe('an awsJson1_0 adapter', () => {
  it('gets the signer as its caller and the body as signed, and answers in its protocol', async () => {
    const input = '{ "n": 1,  "s": "spaced  as sent" }';
    const r = await call('Echo', input);
    assert.equal(r.status, 200);
    assert.match(String(r.type), /^application\/x-amz-json-1\.0/);
    assert.ok(r.requestId);
    assert.deepEqual(r.body, { userId: 'u1', accountId: accountIdOf('u1'), input: JSON.parse(input) });
  });

  it('errors come out as {__type, message}, named by the service where it says so', async () => {
    assert.deepEqual(await call('Missing', '{}').then((r) => [r.status, r.body]), [
      400,
      { __type: 'EchoDoesNotExist', message: 'no such echo' },
    ]);
    assert.deepEqual(await call('Nope', '{}').then((r) => [r.status, r.body]), [
      400,
      { __type: 'UnknownOperationException', message: 'unknown operation Nope' },
    ]);
    const unknownKey = await call('Echo', '{}', { keyId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' });
    assert.equal(unknownKey.status, 403);
    assert.equal(unknownKey.body.__type, 'InvalidClientTokenId');
    const unsigned = await call('Echo', '{}', { signed: false });
    assert.deepEqual([unsigned.status, unsigned.body.__type], [403, 'MissingAuthenticationTokenException']);
  });

  it('a fault of the server is a 500 that tells nothing of it', async () => {
    const r = await call('Boom', '{}');
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { __type: 'InternalFailure', message: 'internal error; see the server log' });
  });
});
