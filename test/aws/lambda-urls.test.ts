/**
 * Lambda resource-based policies and function URLs through the real AWS SDK
 * (@aws-sdk/client-lambda) against a started Hangar: AddPermission / GetPolicy /
 * RemovePermission and the function URL configuration operations, bad input answered with
 * Lambda's 4xx, tenancy; then the URLs served — by path and by host name — with payload 2.0
 * events, the October 2025 rule (a public URL needs both InvokeFunctionUrl and InvokeFunction
 * for "*"), AWS_IAM URLs signed with Hangar keys, and CORS. Serving runs functions, so it is
 * skipped, with the reason, where the host cannot sandbox. Runs on the scale-out shape too
 * (lambda-urls.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  type LambdaClient,
  ListFunctionUrlConfigsCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { accountIdOf } from '../../src/aws/index.ts';
import { Sha256 } from '../../src/aws/sigv4.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { makeZip } from '../helpers/zip.ts';

const sandboxless = NO_SANDBOX;
let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;
let aliceKey: { keyId: string; key: string };
let bobKey: { keyId: string; key: string };

const client = (k: { keyId: string; key: string }) => lambdaClient(p.url!, k);

/** Handlers as written for a Lambda function URL. */
const CODE = makeZip({
  'index.js': `exports.handler = async (event) => ({ statusCode: 201, headers: { 'x-from': 'fn', 'access-control-allow-origin': 'https://evil.example' },
  cookies: ['a=1', 'b=2'], body: JSON.stringify(event) });`,
  'plain.js': `exports.handler = async () => ({ hello: 'world' });`,
  'throws.js': `exports.handler = async () => { throw new Error('boom'); };`,
});

async function refused(c: LambdaClient, command: object): Promise<{ name: string; status: number; message: string }> {
  try {
    await c.send(command as never);
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  assert.fail('the call was not refused');
}

const create = (c: LambdaClient, name: string, handler = 'index.handler') =>
  c.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: handler,
      Code: { ZipFile: CODE },
    }),
  );

/** The two statements AWS documents for a public function URL. */
async function makePublic(c: LambdaClient, name: string, qualifier?: string) {
  await c.send(
    new AddPermissionCommand({
      FunctionName: name,
      Qualifier: qualifier,
      StatementId: 'FunctionURLAllowPublicAccess',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    }),
  );
  await c.send(
    new AddPermissionCommand({
      FunctionName: name,
      Qualifier: qualifier,
      StatementId: 'FunctionURLInvokeAllowPublicAccess',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
    }),
  );
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP request with exactly these headers (Host included: fetch would not send ours). */
function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A request signed with SigV4 for `lambda`, as an AWS_IAM function URL takes it. */
async function signed(
  url: string,
  k: { keyId: string; key: string },
  opts: { method?: string; body?: string; service?: string; contentType?: string } = {},
) {
  const u = new URL(url);
  const signer = new SignatureV4({
    service: opts.service ?? 'lambda',
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    sha256: Sha256,
  });
  const query = Object.fromEntries(u.searchParams);
  const req = await signer.sign({
    method: opts.method ?? 'GET',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: u.pathname,
    query,
    headers: { host: u.host, ...(opts.body ? { 'content-type': opts.contentType ?? 'application/json' } : {}) },
    body: opts.body,
  });
  return http(url, { method: req.method, headers: req.headers as Record<string, string>, body: opts.body });
}

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  aliceKey = await key('alice');
  bobKey = await key('bob');
  alice = client(aliceKey);
  bob = client(bobKey);
});
after(() => p?.close());

describe('resource-based policies through the AWS SDK', () => {
  it('adds statements, shows the policy document as AWS does, and removes them', async () => {
    await create(alice, 'policy-fn');
    const none = await refused(alice, new GetPolicyCommand({ FunctionName: 'policy-fn' }));
    assert.deepEqual(
      [none.name, none.status, none.message],
      ['ResourceNotFoundException', 404, 'The resource you requested does not exist.'],
    );
    const added = await alice.send(
      new AddPermissionCommand({
        FunctionName: 'policy-fn',
        StatementId: 'events',
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: `arn:aws:events:${REGION}:${accountIdOf('alice')}:rule/nightly`,
      }),
    );
    const arn = `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:policy-fn`;
    assert.deepEqual(JSON.parse(added.Statement!), {
      Sid: 'events',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: arn,
      Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:${REGION}:${accountIdOf('alice')}:rule/nightly` } },
    });
    await makePublic(alice, 'policy-fn');
    const got = await alice.send(new GetPolicyCommand({ FunctionName: 'policy-fn' }));
    const doc = JSON.parse(got.Policy!);
    assert.equal(doc.Version, '2012-10-17');
    assert.equal(doc.Id, 'default');
    assert.deepEqual(
      doc.Statement.map((s: { Sid: string }) => s.Sid),
      ['events', 'FunctionURLAllowPublicAccess', 'FunctionURLInvokeAllowPublicAccess'],
    );
    assert.deepEqual(doc.Statement[1].Condition, { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } });
    assert.deepEqual(doc.Statement[2].Condition, { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } });
    assert.match(got.RevisionId!, /\S{8,}/);

    const dup = await refused(
      alice,
      new AddPermissionCommand({ FunctionName: 'policy-fn', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: '*' }),
    );
    assert.deepEqual([dup.name, dup.status], ['ResourceConflictException', 409]);
    const stale = await refused(
      alice,
      new AddPermissionCommand({
        FunctionName: 'policy-fn',
        StatementId: 'x',
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        RevisionId: 'stale',
      }),
    );
    assert.deepEqual([stale.name, stale.status], ['PreconditionFailedException', 412]);
    await alice.send(new RemovePermissionCommand({ FunctionName: 'policy-fn', StatementId: 'events', RevisionId: got.RevisionId }));
    const gone = await refused(alice, new RemovePermissionCommand({ FunctionName: 'policy-fn', StatementId: 'events' }));
    assert.deepEqual(
      [gone.name, gone.status, gone.message],
      ['ResourceNotFoundException', 404, 'The resource you requested does not exist.'],
    );
    assert.equal(JSON.parse((await alice.send(new GetPolicyCommand({ FunctionName: 'policy-fn' }))).Policy!).Statement.length, 2);
  });

  it('keeps an alias its own policy, and refuses $LATEST as a qualifier', async () => {
    await create(alice, 'aliased');
    await alice.send(new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: '$LATEST' }));
    await makePublic(alice, 'aliased', 'live');
    const live = JSON.parse((await alice.send(new GetPolicyCommand({ FunctionName: 'aliased', Qualifier: 'live' }))).Policy!);
    assert.equal(live.Statement[0].Resource, `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:aliased:live`);
    assert.equal((await refused(alice, new GetPolicyCommand({ FunctionName: 'aliased' }))).status, 404);
    const latest = await refused(alice, new GetPolicyCommand({ FunctionName: 'aliased', Qualifier: '$LATEST' }));
    assert.deepEqual([latest.name, latest.status], ['InvalidParameterValueException', 400]);
    const missing = await refused(alice, new GetPolicyCommand({ FunctionName: 'aliased', Qualifier: 'nope' }));
    assert.equal(missing.status, 404);
  });

  it('refuses a statement that would take the policy past 20 KB with PolicyLengthExceededException', async () => {
    await create(alice, 'full-policy');
    const add = (i: number) =>
      alice.send(
        new AddPermissionCommand({
          FunctionName: 'full-policy',
          StatementId: `s${i}-${'x'.repeat(90)}`,
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: `arn:aws:events:${REGION}:${accountIdOf('alice')}:rule/${'r'.repeat(60)}${i}`,
        }),
      );
    let added = 0;
    for (;;) {
      const r = await add(added).then(
        () => null,
        (e: { name: string; $metadata?: { httpStatusCode?: number } }) => e,
      );
      if (r) {
        assert.deepEqual([r.name, r.$metadata?.httpStatusCode], ['PolicyLengthExceededException', 400]);
        break;
      }
      added++;
      assert.ok(added < 200, 'a 20 KB policy holds fewer than 200 such statements');
    }
    assert.ok(added > 10, `${added} statements fit`);
    // What was there stays.
    const kept = JSON.parse((await alice.send(new GetPolicyCommand({ FunctionName: 'full-policy' }))).Policy!);
    assert.equal(kept.Statement.length, added);
  });

  it('answers bad input with InvalidParameterValueException, refusing what it cannot honour', async () => {
    await create(alice, 'bad-input');
    const base = { FunctionName: 'bad-input', StatementId: 's', Action: 'lambda:InvokeFunction', Principal: '*' };
    for (const over of [
      { Principal: 'arn:aws:iam::123456789012:role/r' },
      { Principal: 'nobody' },
      { Action: 's3:GetObject' },
      { StatementId: 'has space' },
      { FunctionUrlAuthType: 'OPEN' },
      { SourceAccount: '12' },
      { PrincipalOrgID: 'o-123' },
    ]) {
      const r = await refused(alice, new AddPermissionCommand({ ...base, ...over } as never));
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400], JSON.stringify(over));
    }
  });

  it("refuses another user's function as not found, for every operation", async () => {
    await create(alice, 'alices');
    await makePublic(alice, 'alices');
    const arn = `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:alices`;
    for (const name of ['alices', arn]) {
      for (const command of [
        new GetPolicyCommand({ FunctionName: name }),
        new AddPermissionCommand({ FunctionName: name, StatementId: 'mine', Action: 'lambda:InvokeFunction', Principal: '*' }),
        new RemovePermissionCommand({ FunctionName: name, StatementId: 'FunctionURLAllowPublicAccess' }),
        new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' }),
        new GetFunctionUrlConfigCommand({ FunctionName: name }),
        new ListFunctionUrlConfigsCommand({ FunctionName: name }),
        new DeleteFunctionUrlConfigCommand({ FunctionName: name }),
      ]) {
        const r = await refused(bob, command);
        assert.deepEqual([r.name, r.status], ['ResourceNotFoundException', 404], `${command.constructor.name} ${name}`);
      }
    }
    assert.equal(JSON.parse((await alice.send(new GetPolicyCommand({ FunctionName: 'alices' }))).Policy!).Statement.length, 2);
  });
});

describe('function URL configurations through the AWS SDK', () => {
  it('creates, reads, updates, lists and deletes, with a FunctionUrl that is served', async () => {
    await create(alice, 'url-fn');
    const made = await alice.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'url-fn',
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-custom'], MaxAge: 60 },
      }),
    );
    assert.match(made.FunctionUrl!, new RegExp(`^${p.url}/lambda-url/[a-z0-9]{32}/$`));
    assert.equal(made.FunctionArn, `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:url-fn`);
    assert.equal(made.AuthType, 'NONE');
    assert.equal(made.InvokeMode, 'BUFFERED');
    assert.deepEqual(made.Cors, {
      AllowCredentials: false,
      AllowHeaders: ['x-custom'],
      AllowMethods: ['GET', 'POST'],
      AllowOrigins: ['https://app.example.com'],
      ExposeHeaders: [],
      MaxAge: 60,
    });
    assert.ok(!Number.isNaN(Date.parse(made.CreationTime!)));
    const got = await alice.send(new GetFunctionUrlConfigCommand({ FunctionName: 'url-fn' }));
    assert.equal(got.FunctionUrl, made.FunctionUrl);
    assert.ok(got.LastModifiedTime);
    const dup = await refused(alice, new CreateFunctionUrlConfigCommand({ FunctionName: 'url-fn', AuthType: 'NONE' }));
    assert.deepEqual([dup.name, dup.status], ['ResourceConflictException', 409]);
    const updated = await alice.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'url-fn', AuthType: 'AWS_IAM' }));
    assert.equal(updated.AuthType, 'AWS_IAM');
    assert.equal(updated.FunctionUrl, made.FunctionUrl);
    assert.deepEqual(updated.Cors?.AllowOrigins, ['https://app.example.com']);
    await alice.send(new CreateAliasCommand({ FunctionName: 'url-fn', Name: 'live', FunctionVersion: '$LATEST' }));
    const live = await alice.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'url-fn', Qualifier: 'live', AuthType: 'NONE' }));
    assert.equal(live.FunctionArn, `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:url-fn:live`);
    assert.notEqual(live.FunctionUrl, made.FunctionUrl);
    const list = await alice.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'url-fn' }));
    assert.deepEqual(
      list.FunctionUrlConfigs?.map((c) => c.FunctionArn?.split(':').length),
      [7, 8],
    );
    const page = await alice.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'url-fn', MaxItems: 1 }));
    assert.equal(page.FunctionUrlConfigs?.length, 1);
    assert.ok(page.NextMarker);
    // The alias gone, its URL goes with it.
    await alice.send(new DeleteAliasCommand({ FunctionName: 'url-fn', Name: 'live' }));
    assert.equal((await alice.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'url-fn' }))).FunctionUrlConfigs?.length, 1);
    assert.equal((await http(live.FunctionUrl!)).status, 404);
    await alice.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'url-fn' }));
    const gone = await refused(alice, new GetFunctionUrlConfigCommand({ FunctionName: 'url-fn' }));
    assert.deepEqual([gone.name, gone.status], ['ResourceNotFoundException', 404]);
    assert.equal((await http(made.FunctionUrl!)).status, 404);
  });

  it('answers bad configurations with InvalidParameterValueException', async () => {
    await create(alice, 'url-bad');
    for (const over of [
      {},
      { AuthType: 'OPEN' },
      { AuthType: 'NONE', InvokeMode: 'STREAMING' },
      { AuthType: 'NONE', Qualifier: '1' },
      { AuthType: 'NONE', Cors: { AllowOrigins: ['*'], AllowCredentials: true } },
      { AuthType: 'NONE', Cors: { AllowOrigins: ['not an origin'] } },
      { AuthType: 'NONE', Cors: { MaxAge: 86_401 } },
    ]) {
      const r = await refused(alice, new CreateFunctionUrlConfigCommand({ FunctionName: 'url-bad', ...over } as never));
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400], JSON.stringify(over));
    }
    const noAlias = await refused(
      alice,
      new CreateFunctionUrlConfigCommand({ FunctionName: 'url-bad', Qualifier: 'nope', AuthType: 'NONE' }),
    );
    assert.equal(noAlias.status, 404);
    const noFn = await refused(alice, new CreateFunctionUrlConfigCommand({ FunctionName: 'missing', AuthType: 'NONE' }));
    assert.equal(noFn.status, 404);
  });
});

describe('function URLs served', { skip: sandboxless }, () => {
  let url: string;
  let urlId: string;

  before(async () => {
    await create(alice, 'web');
    const made = await alice.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'web',
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-custom'], MaxAge: 60 },
      }),
    );
    url = made.FunctionUrl!;
    urlId = /lambda-url\/([a-z0-9]{32})\//.exec(url)![1];
  });

  it('a NONE URL is Forbidden until the policy allows both actions to everyone', async () => {
    const closed = await http(`${url}x`);
    assert.deepEqual([closed.status, JSON.parse(closed.text)], [403, { Message: 'Forbidden' }]);
    await alice.send(
      new AddPermissionCommand({
        FunctionName: 'web',
        StatementId: 'url',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      }),
    );
    // InvokeFunctionUrl alone is not enough since October 2025.
    assert.equal((await http(`${url}x`)).status, 403);
    await alice.send(
      new AddPermissionCommand({
        FunctionName: 'web',
        StatementId: 'invoke',
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        InvokedViaFunctionUrl: true,
      }),
    );
    assert.equal((await http(`${url}x`)).status, 201);
  });

  it('sends the payload 2.0 event of a function URL and maps the answer (path form)', async () => {
    const r = await http(`${url}items/42?a=1&a=2&b=x%20y`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'user-agent': 'test-agent', 'x-multi': 'one' },
      body: '{"hello":"world"}',
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-from'], 'fn');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    const event = JSON.parse(r.text);
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, '$default');
    assert.equal(event.rawPath, '/items/42');
    assert.equal(event.rawQueryString, 'a=1&a=2&b=x%20y');
    assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2']);
    assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x y' });
    assert.equal(event.headers['x-multi'], 'one');
    assert.equal(event.body, '{"hello":"world"}');
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.pathParameters, undefined);
    const rc = event.requestContext;
    assert.equal(rc.accountId, accountIdOf('alice'));
    assert.equal(rc.apiId, urlId);
    assert.equal(rc.domainName, `${urlId}.lambda-url.${REGION}.localhost`);
    assert.equal(rc.domainPrefix, urlId);
    assert.deepEqual(
      { ...rc.http, sourceIp: undefined },
      { method: 'POST', path: '/items/42', protocol: 'HTTP/1.1', sourceIp: undefined, userAgent: 'test-agent' },
    );
    assert.equal(rc.routeKey, '$default');
    assert.equal(rc.stage, '$default');
    assert.equal(rc.authorizer, undefined);
    assert.match(rc.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['x-amzn-requestid'], rc.requestId);
    // Traffic served, not calls to Hangar: a public URL's visitors do not fill the audit log...
    const served = (await p.inject({ method: 'GET', url: `/audit?action=${encodeURIComponent('POST /lambda-url/:urlId/*')}` })).json();
    assert.deepEqual(served.entries, []);
    // ...which does have its configuration's calls.
    const configured = (
      await p.inject({ method: 'GET', url: `/audit?action=${encodeURIComponent('lambda:CreateFunctionUrlConfig')}` })
    ).json();
    assert.ok(configured.entries.length > 0);
  });

  it("an alias's URL follows the alias's own policy, not the function's", async () => {
    await create(alice, 'staged', 'plain.handler');
    await alice.send(new CreateAliasCommand({ FunctionName: 'staged', Name: 'prod', FunctionVersion: '$LATEST' }));
    const made = await alice.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'staged', Qualifier: 'prod', AuthType: 'NONE' }));
    await makePublic(alice, 'staged');
    assert.equal((await http(made.FunctionUrl!)).status, 403);
    await makePublic(alice, 'staged', 'prod');
    const r = await http(made.FunctionUrl!);
    assert.deepEqual([r.status, JSON.parse(r.text)], [200, { hello: 'world' }]);
  });

  it('answers a failed function with 502, without its error', async () => {
    await create(alice, 'broken', 'throws.handler');
    const made = await alice.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'broken', AuthType: 'NONE' }));
    await makePublic(alice, 'broken');
    const r = await http(made.FunctionUrl!);
    assert.deepEqual([r.status, JSON.parse(r.text)], [502, { message: 'Internal Server Error' }]);
  });

  it('serves the same URL by host name, <url-id>.lambda-url.<region>.<domain>', async () => {
    const host = `${urlId}.lambda-url.${REGION}.hangar.test`;
    const r = await http(`${p.url}/by/host?q=1`, { headers: { host } });
    assert.equal(r.status, 201);
    const event = JSON.parse(r.text);
    assert.equal(event.rawPath, '/by/host');
    assert.equal(event.rawQueryString, 'q=1');
    assert.equal(event.requestContext.domainName, host);
    assert.equal(event.requestContext.domainPrefix, urlId);
    // Another url-id by host is no URL.
    assert.equal((await http(`${p.url}/`, { headers: { host: `${'0'.repeat(32)}.lambda-url.${REGION}.hangar.test` } })).status, 404);
  });

  it("answers CORS from the URL's configuration: preflight without the function, its own headers on answers", async () => {
    const pre = await http(`${url}any`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'x-custom');
    assert.equal(pre.headers['access-control-max-age'], '60');
    const r = await http(`${url}x`, { headers: { origin: 'https://app.example.com' } });
    // The function's own access-control-allow-origin is replaced by the configuration's.
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
    const other = await http(`${url}x`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('an AWS_IAM URL takes requests signed for lambda by the owner, and by others only when granted', async () => {
    await create(alice, 'private', 'plain.handler');
    const made = await alice.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'private', AuthType: 'AWS_IAM' }));
    const target = `${made.FunctionUrl!}data?x=1`;
    assert.equal((await http(target)).status, 403);
    const ok = await signed(target, aliceKey);
    assert.deepEqual([ok.status, JSON.parse(ok.text)], [200, { hello: 'world' }]);
    assert.equal((await signed(target, aliceKey, { service: 's3' })).status, 403);
    assert.equal((await signed(target, { ...aliceKey, key: 'wrong' })).status, 403);
    assert.equal((await signed(target, bobKey)).status, 403);
    // A public grant opens a NONE URL, not an AWS_IAM one to strangers...
    await makePublic(alice, 'private');
    assert.equal((await signed(target, bobKey)).status, 403);
    // ...a grant to Bob's account for both actions does.
    for (const [sid, action] of [
      ['bob-url', 'lambda:InvokeFunctionUrl'],
      ['bob-invoke', 'lambda:InvokeFunction'],
    ])
      await alice.send(
        new AddPermissionCommand({ FunctionName: 'private', StatementId: sid, Action: action, Principal: accountIdOf('bob') }),
      );
    assert.equal((await signed(target, bobKey)).status, 200);
  });

  it("answers an AWS_IAM URL's CORS preflight unsigned (browsers never sign one), and sends binary bodies base64", async () => {
    await create(alice, 'binary');
    const made = await alice.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'binary',
        AuthType: 'AWS_IAM',
        Cors: { AllowOrigins: ['*'], AllowMethods: ['*'] },
      }),
    );
    const pre = await http(made.FunctionUrl!, {
      method: 'OPTIONS',
      headers: { origin: 'https://x.example', 'access-control-request-method': 'PUT' },
    });
    assert.deepEqual(
      [pre.status, pre.headers['access-control-allow-origin'], pre.headers['access-control-allow-methods']],
      [204, '*', '*'],
    );
    assert.equal((await http(made.FunctionUrl!, { method: 'PUT', body: 'x' })).status, 403);
    const bytes = '\u0000\u00ff binary';
    const r = await signed(made.FunctionUrl!, aliceKey, { method: 'PUT', body: bytes });
    assert.equal(r.status, 201);
    const event = JSON.parse(r.text);
    assert.equal(event.isBase64Encoded, false, 'application/json is text');
    const octets = await signed(`${made.FunctionUrl!}raw`, aliceKey, {
      method: 'POST',
      body: 'plain bytes',
      contentType: 'application/octet-stream',
    });
    const raw = JSON.parse(octets.text);
    assert.equal(raw.isBase64Encoded, true);
    assert.equal(Buffer.from(raw.body, 'base64').toString('utf8'), 'plain bytes');
  });

  it('sees the signer in requestContext.authorizer.iam', async () => {
    await create(alice, 'whoami');
    const made = await alice.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'whoami', AuthType: 'AWS_IAM' }));
    const r = await signed(`${made.FunctionUrl!}`, aliceKey, { method: 'POST', body: '{"a":1}' });
    assert.equal(r.status, 201);
    const iam = JSON.parse(r.text).requestContext.authorizer.iam;
    assert.deepEqual(iam, {
      accessKey: aliceKey.keyId,
      accountId: accountIdOf('alice'),
      callerId: 'alice',
      userArn: `arn:aws:iam::${accountIdOf('alice')}:user/alice`,
      userId: 'alice',
    });
  });
});
