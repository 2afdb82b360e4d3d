/**
 * The Lambda calls Terraform's and OpenTofu's AWS provider makes (Pulumi wraps the same
 * provider), replayed in its order with the real @aws-sdk/client-lambda against a started
 * Hangar: apply (create, the waiters, the read after it), plan (the read), update and destroy
 * of an aws_lambda_function with publish, an alias, a permission, a function URL, an event
 * invoke config and a provisioned concurrency config, and of a layer version — each answer checked for the fields the
 * provider reads (docs/aws.md, "Terraform / OpenTofu"). Runs on the scale-out shape too
 * (lambda-terraform.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionCodeSigningConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  DeleteFunctionUrlConfigCommand,
  DeleteLayerVersionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionCommand,
  GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand,
  GetRuntimeManagementConfigCommand,
  type LambdaClient,
  ListLayerVersionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  PutRuntimeManagementConfigCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { accountIdOf } from '../../src/aws/index.ts';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';
import { lambdaClient, NO_SANDBOX, REGION, refusedBy as refused } from '../helpers/lambda.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: LambdaClient;
let account: string;

const NAME = 'tf-app';
const ROLE = 'arn:aws:iam::123456789012:role/tf-app-exec';
const zip = (answer: number) => makeZip({ 'index.js': `exports.handler = async () => ${answer};` });

/** What resourceFunctionRead makes and reads: GetFunction, the latest version
 *  (ListVersionsByFunction, MaxItems 10000, the last item of the last page), and the code
 *  signing config (a zip function in a region AWS Signer serves). */
async function readFunction(c: LambdaClient, name: string) {
  const got = await c.send(new GetFunctionCommand({ FunctionName: name }));
  assert.ok(got.Configuration && got.Code, 'findFunction refuses an answer without Configuration or Code');
  const versions = await c.send(new ListVersionsByFunctionCommand({ FunctionName: name, MaxItems: 10_000 }));
  assert.equal(versions.NextMarker, undefined);
  const latest = versions.Versions?.at(-1);
  const signing = await c.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }));
  return { got, latest, signing };
}

/** The state the provider would write from a read: what must not change between two plans. */
const state = (r: Awaited<ReturnType<typeof readFunction>>) => {
  const { Code, $metadata, ...rest } = r.got;
  return {
    ...rest,
    Code: { RepositoryType: Code?.RepositoryType },
    latest: r.latest?.FunctionArn,
    signing: r.signing.CodeSigningConfigArn,
  };
};

before(async () => {
  p = await testPlatform();
  const key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  alice = lambdaClient(p.url!, key);
  account = accountIdOf('alice');
});
after(() => p?.close());

describe('the calls Terraform makes for aws_lambda_function and its companions', () => {
  const arn = () => `arn:aws:lambda:${REGION}:${account}:function:${NAME}`;

  it('apply: create, the waiters, the concurrency and the read have what the provider reads', async () => {
    // resourceFunctionCreate: CreateFunction with the schema's defaults sent.
    await alice.send(
      new CreateFunctionCommand({
        FunctionName: NAME,
        Role: ROLE,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Description: '',
        MemorySize: 128,
        Timeout: 3,
        PackageType: 'Zip',
        Publish: true,
        Tags: { team: 'tf' },
        Code: { ZipFile: zip(1) },
      }),
    );
    // RetryWhenNotFound, then waitFunctionCreated: GetFunction until State is Active.
    const created = await alice.send(new GetFunctionCommand({ FunctionName: NAME }));
    assert.equal(created.Configuration?.State, 'Active');
    await alice.send(new PutFunctionConcurrencyCommand({ FunctionName: NAME, ReservedConcurrentExecutions: 5 }));

    const r = await readFunction(alice, NAME);
    const f = r.got.Configuration!;
    assert.deepEqual(f.Architectures, [process.arch === 'arm64' ? 'arm64' : 'x86_64']);
    assert.equal(f.FunctionArn, arn());
    assert.equal(f.Role, ROLE, 'the role comes back as sent: else every plan would change it');
    assert.equal(f.Environment, undefined, 'no variables: no Environment, as Lambda (else a block the config has not)');
    assert.deepEqual(f.EphemeralStorage, { Size: 512 });
    assert.deepEqual(f.LoggingConfig, { LogFormat: 'Text', LogGroup: `/aws/lambda/${NAME}` });
    assert.deepEqual(f.SnapStart, { ApplyOn: 'None', OptimizationStatus: 'Off' });
    assert.deepEqual(f.TracingConfig, { Mode: 'PassThrough' });
    // A function outside any VPC: flattenVPCConfigResponse reads it as no vpc_config.
    assert.deepEqual(f.VpcConfig, { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false });
    assert.equal(f.KMSKeyArn, undefined, 'no key: kms_key_arn reads back empty, as configured');
    assert.deepEqual(
      [f.PackageType, f.State, f.LastUpdateStatus, f.Runtime, f.Handler, f.Description, f.MemorySize, f.Timeout],
      ['Zip', 'Active', 'Successful', 'nodejs22.x', 'index.handler', '', 128, 3],
    );
    assert.ok(f.CodeSha256 && f.CodeSize && f.LastModified && f.RevisionId);
    assert.deepEqual(r.got.Concurrency, { ReservedConcurrentExecutions: 5 });
    assert.deepEqual(r.got.Tags, { team: 'tf' });
    assert.equal(r.got.Code?.ImageUri, undefined);
    // qualified_arn and version: the last version listed, published by the create.
    assert.deepEqual([r.latest?.Version, r.latest?.FunctionArn], ['1', `${arn()}:1`]);
    assert.deepEqual([r.signing.FunctionName, r.signing.CodeSigningConfigArn], [NAME, undefined]);
  });

  it('apply: the alias, permission, URL and event invoke config each read back what was sent', async () => {
    // aws_lambda_alias sends an empty RoutingConfig when routing_config is not set.
    await alice.send(
      new CreateAliasCommand({ FunctionName: NAME, Name: 'live', FunctionVersion: '1', Description: 'prod', RoutingConfig: {} }),
    );
    const alias = await alice.send(new GetAliasCommand({ FunctionName: NAME, Name: 'live' }));
    assert.deepEqual(
      [alias.AliasArn, alias.FunctionVersion, alias.Name, alias.Description, alias.RoutingConfig],
      [`${arn()}:live`, '1', 'live', 'prod', undefined],
    );

    // aws_lambda_permission: AddPermission, then GetPolicy, its statement found by Sid.
    const source = `arn:aws:execute-api:${REGION}:${account}:abc123/*/*`;
    await alice.send(
      new AddPermissionCommand({
        FunctionName: NAME,
        Qualifier: 'live',
        StatementId: 'AllowAPIGateway',
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: source,
      }),
    );
    const policy = JSON.parse((await alice.send(new GetPolicyCommand({ FunctionName: NAME, Qualifier: 'live' }))).Policy!);
    const st = policy.Statement.find((s: { Sid: string }) => s.Sid === 'AllowAPIGateway');
    assert.deepEqual(
      [st.Action, st.Effect, st.Principal, st.Resource, st.Condition],
      [
        'lambda:InvokeFunction',
        'Allow',
        { Service: 'apigateway.amazonaws.com' },
        `${arn()}:live`,
        { ArnLike: { 'AWS:SourceArn': source } },
      ],
    );

    // aws_lambda_function_url with authorization_type NONE: the config, then its public permission.
    await alice.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live', AuthType: 'NONE', InvokeMode: 'BUFFERED' }),
    );
    await alice.send(
      new AddPermissionCommand({
        FunctionName: NAME,
        StatementId: 'FunctionURLAllowPublicAccess',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      }),
    );
    // Newer providers add the second statement a public URL needs since October 2025.
    await alice.send(
      new AddPermissionCommand({
        FunctionName: NAME,
        StatementId: 'FunctionURLInvokeAllowPublicAccess',
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        InvokedViaFunctionUrl: true,
      }),
    );
    // The provider decodes a policy into strings only (Action, Resource, each condition's
    // values: map[string]map[string]string): a boolean or a list would fail every read.
    const fnPolicy = JSON.parse((await alice.send(new GetPolicyCommand({ FunctionName: NAME }))).Policy!);
    for (const p of [policy, fnPolicy])
      for (const s of p.Statement) {
        assert.equal(typeof s.Action, 'string');
        assert.equal(typeof s.Resource, 'string');
        for (const values of Object.values(s.Condition ?? {}))
          for (const v of Object.values(values as object)) assert.equal(typeof v, 'string', JSON.stringify(s.Condition));
      }
    assert.deepEqual(
      fnPolicy.Statement.map((s: { Sid: string; Condition: unknown }) => [s.Sid, s.Condition]),
      [
        ['FunctionURLAllowPublicAccess', { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } }],
        ['FunctionURLInvokeAllowPublicAccess', { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } }],
      ],
    );
    const url = await alice.send(new GetFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
    // No cors block configured: no Cors in the answer (else the read sets one).
    assert.deepEqual([url.AuthType, url.FunctionArn, url.InvokeMode, url.Cors], ['NONE', `${arn()}:live`, 'BUFFERED', undefined]);
    assert.match(url.FunctionUrl ?? '', /^https?:\/\//);

    // A cors block added, then removed: the provider sends Cors {AllowCredentials: false}, and
    // the read after must have no Cors again.
    await alice.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live', Cors: { AllowOrigins: ['https://app.example.com'] } }),
    );
    const withCors = await alice.send(new GetFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
    assert.deepEqual(withCors.Cors?.AllowOrigins, ['https://app.example.com']);
    await alice.send(new UpdateFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live', Cors: { AllowCredentials: false } }));
    assert.equal((await alice.send(new GetFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live' }))).Cors, undefined);

    // aws_lambda_function_event_invoke_config: Put, then Get with the same qualifier.
    await alice.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: NAME,
        Qualifier: 'live',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 600,
      }),
    );
    const eic = await alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
    assert.deepEqual([eic.FunctionArn, eic.MaximumRetryAttempts, eic.MaximumEventAgeInSeconds], [`${arn()}:live`, 1, 600]);
  });

  it('apply: the provisioned concurrency config waits to READY and reads its allocation', { skip: NO_SANDBOX }, async () => {
    await alice.send(
      new PutProvisionedConcurrencyConfigCommand({ FunctionName: NAME, Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }),
    );
    const ready = await until(async () => {
      const g = await alice.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
      assert.notEqual(g.Status, 'FAILED');
      return g.Status === 'READY' && g;
    }, 60_000);
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 1);
    const list = await alice.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: NAME }));
    assert.deepEqual(
      list.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn),
      [`${arn()}:live`],
    );
  });

  it('plan: a second read answers the same, so nothing is planned', async () => {
    const one = state(await readFunction(alice, NAME));
    const two = state(await readFunction(alice, NAME));
    assert.deepEqual(two, one);
  });

  it('update: configuration, code and publish, each followed by its waiter', async () => {
    const before = await alice.send(new GetFunctionCommand({ FunctionName: NAME }));
    await alice.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: NAME,
        MemorySize: 256,
        Role: 'arn:aws:iam::123456789012:role/tf-app-exec-2',
        Environment: { Variables: { STAGE: 'prod' } },
        // logging_config { log_format = "JSON", application_log_level = "WARN" }: the unset
        // system_log_level goes as "", and reads back as Lambda's default, INFO.
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN', SystemLogLevel: '' as 'INFO', LogGroup: `/aws/lambda/${NAME}` },
      }),
    );
    // waitFunctionUpdated: GetFunction until LastUpdateStatus is Successful.
    const updated = (await alice.send(new GetFunctionCommand({ FunctionName: NAME }))).Configuration!;
    const json = { LogFormat: 'JSON', ApplicationLogLevel: 'WARN', SystemLogLevel: 'INFO', LogGroup: `/aws/lambda/${NAME}` };
    assert.deepEqual(
      [updated.LastUpdateStatus, updated.MemorySize, updated.Role, updated.Environment?.Variables, updated.LoggingConfig],
      ['Successful', 256, 'arn:aws:iam::123456789012:role/tf-app-exec-2', { STAGE: 'prod' }, json],
    );
    // The plan after it: the same read twice, and the same again.
    assert.deepEqual(state(await readFunction(alice, NAME)), state(await readFunction(alice, NAME)));
    assert.notEqual(updated.RevisionId, before.Configuration?.RevisionId);

    await alice.send(new UpdateFunctionCodeCommand({ FunctionName: NAME, ZipFile: zip(2) }));
    assert.equal((await alice.send(new GetFunctionCommand({ FunctionName: NAME }))).Configuration?.LastUpdateStatus, 'Successful');

    // PublishVersion, then waitFunctionConfigurationUpdated with the version's ARN and number.
    const published = await alice.send(new PublishVersionCommand({ FunctionName: NAME }));
    assert.equal(published.Version, '2');
    const v = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: published.FunctionArn, Qualifier: published.Version }));
    assert.deepEqual(
      [v.LastUpdateStatus, v.Version, v.Role, v.LoggingConfig],
      ['Successful', '2', 'arn:aws:iam::123456789012:role/tf-app-exec-2', json],
    );
    assert.equal((await readFunction(alice, NAME)).latest?.Version, '2');

    // The variables removed: Environment with none, and the read has no Environment again.
    await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: {} } }));
    assert.equal((await alice.send(new GetFunctionCommand({ FunctionName: NAME }))).Configuration?.Environment, undefined);

    // reserved_concurrent_executions back to -1.
    await alice.send(new DeleteFunctionConcurrencyCommand({ FunctionName: NAME }));
    assert.equal((await alice.send(new GetFunctionCommand({ FunctionName: NAME }))).Concurrency, undefined);

    await alice.send(
      new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', FunctionVersion: '2', Description: 'prod', RoutingConfig: {} }),
    );
    // Weighted versions are refused, not ignored.
    const weighted = await refused(
      alice.send(
        new UpdateAliasCommand({
          FunctionName: NAME,
          Name: 'live',
          FunctionVersion: '2',
          RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } },
        }),
      ),
    );
    assert.deepEqual([weighted.name, weighted.status], ['InvalidParameterValueException', 400]);
    assert.equal((await alice.send(new GetAliasCommand({ FunctionName: NAME, Name: 'live' }))).FunctionVersion, '2');

    // tags changed: the provider's tagging updates them by the function's ARN.
    await alice.send(new TagResourceCommand({ Resource: arn(), Tags: { env: 'prod' } }));
    await alice.send(new UntagResourceCommand({ Resource: arn(), TagKeys: ['team'] }));
    assert.deepEqual((await alice.send(new GetFunctionCommand({ FunctionName: NAME }))).Tags, { env: 'prod' });

    // code_signing_config_arn removed: DeleteFunctionCodeSigningConfig has nothing to remove.
    await alice.send(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: NAME }));
  });

  it('settings Hangar does not have: read as Lambda’s defaults, their defaults accepted, others refused', async () => {
    const rm = await alice.send(new GetRuntimeManagementConfigCommand({ FunctionName: NAME }));
    assert.deepEqual([rm.UpdateRuntimeOn, rm.FunctionArn], ['Auto', arn()]);
    const auto = await alice.send(new PutRuntimeManagementConfigCommand({ FunctionName: NAME, UpdateRuntimeOn: 'Auto' }));
    assert.equal(auto.UpdateRuntimeOn, 'Auto');
    assert.equal((await alice.send(new GetFunctionRecursionConfigCommand({ FunctionName: NAME }))).RecursiveLoop, 'Terminate');
    const term = await alice.send(new PutFunctionRecursionConfigCommand({ FunctionName: NAME, RecursiveLoop: 'Terminate' }));
    assert.equal(term.RecursiveLoop, 'Terminate');

    const refusals = [
      [
        () => alice.send(new PutRuntimeManagementConfigCommand({ FunctionName: NAME, UpdateRuntimeOn: 'Manual' })),
        /runtime version cannot be pinned/,
      ],
      [
        () => alice.send(new PutFunctionRecursionConfigCommand({ FunctionName: NAME, RecursiveLoop: 'Allow' })),
        /RecursiveLoop may only be 'Terminate'/,
      ],
      [
        () =>
          alice.send(
            new PutFunctionCodeSigningConfigCommand({
              FunctionName: NAME,
              CodeSigningConfigArn: `arn:aws:lambda:${REGION}:${account}:code-signing-config:csc-0123456789abcdef0`,
            }),
          ),
        /code signatures/,
      ],
      [
        () => alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, EphemeralStorage: { Size: 1024 } })),
        /EphemeralStorage/,
      ],
      [() => alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, TracingConfig: { Mode: 'Active' } })), /X-Ray/],
      [
        () => alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, SnapStart: { ApplyOn: 'PublishedVersions' } })),
        /SnapStart/,
      ],
      [
        () =>
          alice.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: NAME,
              LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' },
            }),
          ),
        /JSON log format only/,
      ],
      [
        () =>
          alice.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: NAME,
              LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'ERROR' as 'WARN' },
            }),
          ),
        /system log level 'ERROR'/,
      ],
      [
        () =>
          alice.send(
            new UpdateFunctionConfigurationCommand({ FunctionName: NAME, LoggingConfig: { LogFormat: 'Text', LogGroup: 'mine' } }),
          ),
        /LogGroup/,
      ],
      [() => alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Role: 'not-a-role' })), /IAM role/],
      [
        () =>
          alice.send(
            new UpdateFunctionConfigurationCommand({ FunctionName: NAME, VpcConfig: { SubnetIds: ['subnet-0abc'], SecurityGroupIds: [] } }),
          ),
        /no VPCs: a function's network is its own setting, `network` of PUT \/functions/,
      ],
      [
        () => alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, VpcConfig: { SecurityGroupIds: ['sg-0abc'] } })),
        /VpcConfig must have no SubnetIds or SecurityGroupIds/,
      ],
      [
        () =>
          alice.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: NAME,
              KMSKeyArn: `arn:aws:kms:${REGION}:${account}:key/0b4b1d39-4a5f-4a4a-9d2f-2f7e5e0c7a11`,
            }),
          ),
        /does not use AWS KMS.*KMSKeyArn must be empty/,
      ],
    ] as const;
    for (const [send, message] of refusals) {
      const r = await refused(send());
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400]);
      assert.match(r.message, message);
    }
    // Their defaults, as Terraform may send them, are accepted.
    await alice.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: NAME,
        EphemeralStorage: { Size: 512 },
        TracingConfig: { Mode: 'PassThrough' },
        SnapStart: { ApplyOn: 'None' },
      }),
    );
    // vpc_config and kms_key_arn taken off: the update sends them empty; the read has no VPC, no key.
    await alice.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: NAME,
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [], Ipv6AllowedForDualStack: false },
        KMSKeyArn: '',
      }),
    );
    const detached = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: NAME }));
    assert.deepEqual(detached.VpcConfig, { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false });
    assert.equal(detached.KMSKeyArn, undefined);
    for (const send of [
      () => alice.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: 'nope' })),
      () => alice.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'nope' })),
      () => alice.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'nope' })),
    ])
      assert.deepEqual(Object.values(await refused(send())).slice(0, 2), ['ResourceNotFoundException', 404]);
  });

  it('aws_lambda_layer_version and its data source: publish, read by the layer ARN, list, delete', async () => {
    const published = await alice.send(
      new PublishLayerVersionCommand({
        LayerName: 'tf-lib',
        Content: { ZipFile: makeZip({ 'nodejs/lib.js': 'module.exports = 1;' }) },
        CompatibleRuntimes: ['nodejs22.x'],
      }),
    );
    // The resource's id is the version's ARN; its read (and the data source's by
    // layer_version_arn) is GetLayerVersion with the layer's ARN as LayerName.
    const layerArn = `arn:aws:lambda:${REGION}:${account}:layer:tf-lib`;
    assert.deepEqual([published.LayerArn, published.LayerVersionArn], [layerArn, `${layerArn}:1`]);
    const read = await alice.send(new GetLayerVersionCommand({ LayerName: layerArn, VersionNumber: 1 }));
    assert.deepEqual([read.LayerVersionArn, read.Version, read.CompatibleRuntimes], [`${layerArn}:1`, 1, ['nodejs22.x']]);
    assert.ok(read.Content?.CodeSha256 && read.Content.CodeSize && read.CreatedDate);
    // The data source by layer_name without version: the first version listed.
    const listed = await alice.send(new ListLayerVersionsCommand({ LayerName: 'tf-lib', CompatibleRuntime: 'nodejs22.x' }));
    assert.equal(listed.LayerVersions?.[0]?.Version, 1);
    await alice.send(new DeleteLayerVersionCommand({ LayerName: 'tf-lib', VersionNumber: 1 }));
    const gone = await refused(alice.send(new GetLayerVersionCommand({ LayerName: layerArn, VersionNumber: 1 })));
    assert.equal(gone.status, 404);
  });

  it('destroy: each delete, then the reads that find nothing (a refresh drops them from the state)', async () => {
    if (!NO_SANDBOX) await alice.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
    await alice.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
    await alice.send(new DeleteFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live' }));
    await alice.send(new RemovePermissionCommand({ FunctionName: NAME, Qualifier: 'live', StatementId: 'AllowAPIGateway' }));
    await alice.send(new RemovePermissionCommand({ FunctionName: NAME, StatementId: 'FunctionURLAllowPublicAccess' }));
    await alice.send(new RemovePermissionCommand({ FunctionName: NAME, StatementId: 'FunctionURLInvokeAllowPublicAccess' }));
    // The permission's delete waits until GetPolicy no longer has the statement (or no policy).
    const left = await refused(alice.send(new GetPolicyCommand({ FunctionName: NAME, Qualifier: 'live' })));
    assert.deepEqual([left.name, left.status], ['ResourceNotFoundException', 404]);
    await alice.send(new DeleteAliasCommand({ FunctionName: NAME, Name: 'live' }));
    await alice.send(new DeleteFunctionCommand({ FunctionName: NAME }));
    // waitFunctionDeleted: GetFunction until not found.
    for (const send of [
      () => alice.send(new GetFunctionCommand({ FunctionName: NAME })),
      () => alice.send(new GetAliasCommand({ FunctionName: NAME, Name: 'live' })),
      () => alice.send(new GetFunctionUrlConfigCommand({ FunctionName: NAME, Qualifier: 'live' })),
      () => alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: NAME, Qualifier: 'live' })),
      () => alice.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: NAME, Qualifier: 'live' })),
      () => alice.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: NAME })),
    ]) {
      const r = await refused(send());
      assert.equal(r.status, 404, r.name);
    }
    // DeleteFunction again (a destroy retried): not found, which the provider takes as done.
    assert.equal((await refused(alice.send(new DeleteFunctionCommand({ FunctionName: NAME })))).name, 'ResourceNotFoundException');
  });
});
