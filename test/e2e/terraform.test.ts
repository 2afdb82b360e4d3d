/**
 * The real Terraform and AWS provider against a started Hangar: one configuration and one
 * provider process for three services, so that more resources cost seconds, not another
 * provider start (below) and another terraform init:
 * - Lambda: a published function with reserved concurrency, tags and a layer, the layer version,
 *   its runtime management and recursion configs, an alias, permissions, a function URL, an event
 *   invoke config, a provisioned concurrency config, the aws_lambda_function data source;
 * - API Gateway v2: an HTTP API with CORS, a Lambda proxy integration at the provider's default
 *   payload format (1.0) and one at 2.0, a route to each, one behind a Lambda (REQUEST, simple
 *   responses) authorizer of a second function and one behind a JWT authorizer, the `$default`
 *   stage (auto-deployed, throttled), a custom domain name and its API mapping (the platform
 *   allows names under example.test: HANGAR_DOMAIN_NAME_SUFFIXES); after apply the API is called
 *   through Hangar, by its `/http/{apiId}` prefix and by the domain's Host;
 * - Step Functions: a STANDARD state machine (a Task invoking the function, a Pass), published,
 *   an alias on its version, an activity; after apply an execution through the alias.
 * Apply, plan (no changes), update (code and memory, a route's target, the stage's throttle, the
 * definition: a new version the alias follows), plan (no changes), destroy. Not here:
 * aws_apigatewayv2_deployment (an auto-deployed stage makes its own), and what Hangar refuses
 * (test/aws/*-terraform.test.ts say what). Skipped, with the reason, where the host has no
 * terraform binary or no local copy of the hashicorp/aws provider (HANGAR_TEST_TF_PLUGINS,
 * default /opt/tf-plugins: a filesystem mirror; the test downloads nothing), or cannot sandbox
 * functions. test/aws/{lambda,apigatewayv2,sfn}-terraform.test.ts replay the provider's calls
 * with the AWS SDK everywhere.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetApiCommand, GetDomainNameCommand, GetStageCommand } from '@aws-sdk/client-apigatewayv2';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { DescribeActivityCommand, DescribeStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { apiGatewayClient } from '../helpers/apigatewayv2.ts';
import { requestWithHost } from '../helpers/host-request.ts';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { executionEnded, sfnClient } from '../helpers/sfn.ts';
import { makeZip } from '../helpers/zip.ts';

const PLUGINS = process.env.HANGAR_TEST_TF_PLUGINS ?? '/opt/tf-plugins';
const AWS_PROVIDER = join(PLUGINS, 'registry.terraform.io', 'hashicorp', 'aws');

function terraformMissing(): string | false {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
  } catch {
    return 'no terraform binary on this host';
  }
  if (!existsSync(AWS_PROVIDER) || readdirSync(AWS_PROVIDER).length === 0)
    return `no local hashicorp/aws provider under ${PLUGINS} (HANGAR_TEST_TF_PLUGINS)`;
  return false;
}

/**
 * The provider's Go garbage collector, less eager than its default 100: at each graph walk the
 * provider validates its whole schema (~1,400 resource types; the SDK's InternalValidate),
 * ~2.5 GB allocated, and collecting that is a large part of its CPU time (no network wait:
 * TF_LOG=trace). 400: a `terraform validate` takes 4.4 s of CPU instead of 5.9 s, ~750 MB at
 * most instead of ~600 MB.
 */
const PROVIDER_GOGC = '400';

const skip = NO_SANDBOX || terraformMissing();
let p: TestPlatform;
let dir: string;
let key: { keyId: string; key: string };
let provider: { child: ChildProcess; reattach: string } | undefined;

/** One terraform command in the working directory; its output, or the failure with its output. */
function terraform(args: string[]): Promise<{ code: number; out: string }> {
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'),
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    TF_DATA_DIR: join(dir, '.terraform'),
    GOGC: PROVIDER_GOGC,
    ...(provider && { TF_REATTACH_PROVIDERS: provider.reattach }),
  };
  return new Promise((resolve) => {
    execFile('terraform', [...args, '-no-color'], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, out: `${stdout}${stderr}` });
    });
  });
}

const version = () => readdirSync(AWS_PROVIDER).sort().at(-1)!;

/**
 * The provider, started once in debug mode, for every terraform command to reattach to
 * (TF_REATTACH_PROVIDERS, as terraform-plugin-testing does). Left to itself terraform starts it
 * 3 to 5 times per command (once for its schema, once per graph walk: 19 starts in this file,
 * counted with TF_LOG=trace). The same binary answers the same calls either way. Measured back
 * to back: 54 s of CPU for this file without, 41 s with. Undefined where the mirror holds the
 * provider packed (a zip), not unpacked: there terraform starts it.
 */
async function startProvider(): Promise<typeof provider> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platformDir = join(AWS_PROVIDER, version(), `${process.platform}_${arch}`);
  const binary = existsSync(platformDir) && readdirSync(platformDir).find((f) => f.startsWith('terraform-provider-aws'));
  if (!binary) return undefined;
  // In the working directory, as terraform starts it (it reads the zips relative to it); its
  // socket in TMPDIR, the same directory, removed with it. Without AWS_CA_BUNDLE (the
  // endpoint is plain HTTP): with it a provider configured a second time in one process fails
  // ("unable to add custom RootCAs HTTPClient"), as it wraps the client it wrapped before.
  const { AWS_CA_BUNDLE: _, ...env } = process.env;
  const child = spawn(join(platformDir, binary), ['-debug'], {
    cwd: dir,
    env: { ...env, TMPDIR: dir, GOGC: PROVIDER_GOGC },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const reattach = await new Promise<string>((resolve, reject) => {
    // A provider that never says where it listens fails the file, not hangs it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the provider did not listen within 60 s:\n${out}`));
    }, 60_000);
    const read = (chunk: Buffer) => {
      out += chunk;
      const m = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the provider exited (${code}) before it listened:\n${out}`));
    });
  });
  return { child, reattach };
}

/** The function's code `n`: it answers which code ran and the event's payload format (1.0's
 *  `version` and `httpMethod`; 2.0's `version` only), as an HTTP API proxy answer. */
const app = (n: number) =>
  `exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ code: ${n}, version: e.version ?? null, method: e.httpMethod ?? null }) });`;

function configuration(): string {
  return `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "${version()}" }
  }
}
variable "zip" { default = "fn1.zip" }
variable "memory" { default = 128 }
variable "v1_target" { default = "v1" }
variable "burst" { default = 100 }
variable "greeting" { default = "hello" }
provider "aws" {
  region                      = "${REGION}"
  access_key                  = "${key.keyId}"
  secret_key                  = "${key.key}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    lambda       = "${p.url}"
    apigatewayv2 = "${p.url}"
    sfn          = "${p.url}"
  }
}
resource "aws_lambda_function" "app" {
  function_name                  = "tf-app"
  role                           = "arn:aws:iam::123456789012:role/tf-app-exec"
  runtime                        = "nodejs22.x"
  handler                        = "index.handler"
  filename                       = var.zip
  source_code_hash               = filebase64sha256(var.zip)
  memory_size                    = var.memory
  publish                        = true
  reserved_concurrent_executions = 5
  tags                           = { team = "tf" }
  layers                         = [aws_lambda_layer_version.lib.arn]
}
resource "aws_lambda_layer_version" "lib" {
  layer_name          = "tf-lib"
  filename            = "lib.zip"
  source_code_hash    = filebase64sha256("lib.zip")
  compatible_runtimes = ["nodejs22.x"]
}
resource "aws_lambda_runtime_management_config" "app" {
  function_name     = aws_lambda_function.app.function_name
  update_runtime_on = "Auto"
}
resource "aws_lambda_function_recursion_config" "app" {
  function_name  = aws_lambda_function.app.function_name
  recursive_loop = "Terminate"
}
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.app.function_name
  function_version = aws_lambda_function.app.version
}
resource "aws_lambda_permission" "apigw" {
  statement_id  = "AllowAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.app.function_name
  principal     = "apigateway.amazonaws.com"
  qualifier     = aws_lambda_alias.live.name
  source_arn    = "arn:aws:execute-api:${REGION}:123456789012:abc123/*/*"
}
resource "aws_lambda_function_url" "live" {
  function_name      = aws_lambda_function.app.function_name
  qualifier          = aws_lambda_alias.live.name
  authorization_type = "NONE"
}
resource "aws_lambda_function_event_invoke_config" "live" {
  function_name                = aws_lambda_function.app.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 600
}
resource "aws_lambda_provisioned_concurrency_config" "live" {
  function_name                     = aws_lambda_function.app.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = 1
}
data "aws_lambda_function" "app" {
  function_name = aws_lambda_function.app.function_name
}

# An HTTP API in front of the function: a 1.0 and a 2.0 integration, a route each, one behind a
# Lambda authorizer and one behind a JWT authorizer, the $default stage, a custom domain.
resource "aws_lambda_function" "authz" {
  function_name    = "tf-authz"
  role             = "arn:aws:iam::123456789012:role/tf-app-exec"
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  filename         = "authz.zip"
  source_code_hash = filebase64sha256("authz.zip")
}
resource "aws_apigatewayv2_api" "http" {
  name          = "tf-http"
  protocol_type = "HTTP"
  cors_configuration {
    allow_origins = ["https://app.example.test"]
    allow_methods = ["GET"]
    max_age       = 300
  }
}
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.app.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "\${aws_apigatewayv2_api.http.execution_arn}/*/*"
}
resource "aws_lambda_permission" "authz" {
  statement_id  = "AllowHttpApiAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authz.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "\${aws_apigatewayv2_api.http.execution_arn}/authorizers/*"
}
# v1 without payload_format_version (null): the provider's default, 1.0.
resource "aws_apigatewayv2_integration" "app" {
  for_each               = { v1 = null, v2 = "2.0" }
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.app.invoke_arn
  payload_format_version = each.value
}
resource "aws_apigatewayv2_authorizer" "lambda" {
  api_id                            = aws_apigatewayv2_api.http.id
  name                              = "tf-lambda"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.authz.invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.Authorization"]
}
resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "tf-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = "https://idp.example.test"
    audience = ["tf"]
  }
}
resource "aws_apigatewayv2_route" "v1" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /v1"
  target    = "integrations/\${aws_apigatewayv2_integration.app[var.v1_target].id}"
}
resource "aws_apigatewayv2_route" "guarded" {
  for_each = {
    "GET /v2"  = { type = "CUSTOM", authorizer = aws_apigatewayv2_authorizer.lambda.id }
    "GET /jwt" = { type = "JWT", authorizer = aws_apigatewayv2_authorizer.jwt.id }
  }
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.key
  target             = "integrations/\${aws_apigatewayv2_integration.app["v2"].id}"
  authorization_type = each.value.type
  authorizer_id      = each.value.authorizer
}
resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
  default_route_settings {
    throttling_burst_limit = var.burst
    throttling_rate_limit  = 50
  }
}
# A named stage, tagged, with a throttle of its own: a burst of 0 refuses all of its requests,
# none of $default's.
resource "aws_apigatewayv2_stage" "beta" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "beta"
  auto_deploy = true
  tags        = { greeting = var.greeting }
  default_route_settings {
    throttling_burst_limit = 0
    throttling_rate_limit  = 0
  }
}
resource "aws_apigatewayv2_domain_name" "api" {
  domain_name = "api.example.test"
  domain_name_configuration {
    certificate_arn = "arn:aws:acm:${REGION}:123456789012:certificate/0a1b2c3d"
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}
resource "aws_apigatewayv2_api_mapping" "api" {
  api_id      = aws_apigatewayv2_api.http.id
  domain_name = aws_apigatewayv2_domain_name.api.id
  stage       = aws_apigatewayv2_stage.default.id
}

# A workflow calling the function, its alias on the newest version, and an activity.
resource "aws_sfn_state_machine" "flow" {
  name     = "tf-flow"
  role_arn = "arn:aws:iam::123456789012:role/tf-flow"
  type     = "STANDARD"
  publish  = true
  definition = jsonencode({
    StartAt = "Call"
    States = {
      Call = {
        Type       = "Task"
        Resource   = "arn:aws:states:::lambda:invoke"
        Parameters = { FunctionName = aws_lambda_function.app.arn, "Payload.$" = "$" }
        ResultSelector = { "answer.$" = "$.Payload" }
        Next       = "Greet"
      }
      Greet = { Type = "Pass", Result = var.greeting, ResultPath = "$.greeting", End = true }
    }
  })
}
resource "aws_sfn_alias" "live" {
  name = "live"
  routing_configuration {
    state_machine_version_arn = aws_sfn_state_machine.flow.state_machine_version_arn
    weight                    = 100
  }
}
resource "aws_sfn_activity" "review" {
  name = "tf-review"
}
output "version" { value = aws_lambda_function.app.version }
output "data_version" { value = data.aws_lambda_function.app.version }
output "api_id" { value = aws_apigatewayv2_api.http.id }
output "flow_alias" { value = aws_sfn_alias.live.arn }
`;
}

before(async () => {
  if (skip) return;
  // Custom domain names under example.test are users' to make (aws_apigatewayv2_domain_name).
  p = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' });
  key = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  dir = mkdtempSync(join(tmpdir(), 'hangar-terraform-'));
  // The provider from the local mirror only: nothing is downloaded.
  writeFileSync(
    join(dir, 'cli.tfrc'),
    `provider_installation {
  filesystem_mirror {
    path    = "${PLUGINS}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
`,
  );
  writeFileSync(join(dir, 'fn1.zip'), makeZip({ 'index.js': app(1) }));
  writeFileSync(join(dir, 'fn2.zip'), makeZip({ 'index.js': app(2) }));
  // A simple-response Lambda authorizer: lets in `Authorization: Bearer allow` only.
  writeFileSync(
    join(dir, 'authz.zip'),
    makeZip({ 'index.js': "exports.handler = async (e) => ({ isAuthorized: e.identitySource?.[0] === 'Bearer allow' });" }),
  );
  writeFileSync(join(dir, 'lib.zip'), makeZip({ 'nodejs/node_modules/lib.js': 'module.exports = 1;' }));
  writeFileSync(join(dir, 'main.tf'), configuration());
  provider = await startProvider();
});
after(async () => {
  if (provider && provider.child.exitCode === null && provider.child.signalCode === null) {
    const exited = new Promise((r) => provider!.child.once('exit', r));
    provider.child.kill('SIGTERM');
    await exited;
  }
  await p?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A GET of the HTTP API `apiId` through the prefix form, its status and JSON body (or text). */
async function callApi(apiId: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${p.url}/http/${apiId}${path}`, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

/** The workflow alias's execution with `input`: its status and output, once it has stopped. */
async function runFlow(aliasArn: string, input: object): Promise<{ status?: string; output?: unknown }> {
  const sfn = sfnClient(p.url!, key);
  try {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: aliasArn, input: JSON.stringify(input) }));
    const done = await executionEnded(sfn, executionArn!);
    return { status: done.status, output: done.output ? JSON.parse(done.output) : undefined };
  } finally {
    sfn.destroy();
  }
}

const output = async (name: string) => (await terraform(['output', '-raw', name])).out.trim();

describe('Terraform with the AWS provider manages a Lambda, HTTP API and Step Functions estate on Hangar', { skip }, () => {
  const update = ['-var', 'zip=fn2.zip', '-var', 'memory=256', '-var', 'v1_target=v2', '-var', 'burst=200', '-var', 'greeting=hi'];
  let apiId: string;
  let flowAlias: string;

  it('init, apply, then a plan with no changes', async () => {
    const init = await terraform(['init', '-input=false']);
    assert.equal(init.code, 0, init.out);
    const apply = await terraform(['apply', '-auto-approve', '-input=false']);
    assert.equal(apply.code, 0, apply.out);
    assert.match(apply.out, /Resources: 27 added/);
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false']);
    assert.equal(plan.code, 0, `a plan after the apply must find no changes:\n${plan.out}`);
    assert.equal(await output('version'), '1');
    apiId = await output('api_id');
    flowAlias = await output('flow_alias');
  });

  it('serves the HTTP API it made: a 1.0 route, the Lambda authorizer, the JWT authorizer, the custom domain', async () => {
    // The integration without payload_format_version: the provider's default, 1.0, reaches the function.
    assert.deepEqual(await callApi(apiId, '/v1'), { status: 200, body: { code: 1, version: '1.0', method: 'GET' } });
    // The Lambda authorizer's route: no identity source is 401 without running it, a denied one
    // 403, an allowed one reaches the 2.0 integration.
    assert.equal((await callApi(apiId, '/v2')).status, 401);
    assert.equal((await callApi(apiId, '/v2', { authorization: 'Bearer deny' })).status, 403);
    assert.deepEqual(await callApi(apiId, '/v2', { authorization: 'Bearer allow' }), {
      status: 200,
      body: { code: 1, version: '2.0', method: null },
    });
    // cors_configuration answers a preflight from the allowed origin.
    const preflight = await fetch(`${p.url}/http/${apiId}/v1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example.test');
    // The JWT authorizer's route without a token.
    assert.equal((await callApi(apiId, '/jwt')).status, 401);
    // The named stage runs under its own throttle, not $default's.
    assert.deepEqual(await callApi(apiId, '/beta/v1'), { status: 429, body: { message: 'Too Many Requests' } });
    // The custom domain, by its Host, through the API mapping to $default.
    const byDomain = await requestWithHost(p.url!, 'api.example.test', '/v1');
    assert.deepEqual([byDomain.status, byDomain.body], [200, { code: 1, version: '1.0', method: 'GET' }]);
  });

  it('runs the state machine it made through its alias', async () => {
    const run = await runFlow(flowAlias, { order: 7 });
    assert.deepEqual(run, {
      status: 'SUCCEEDED',
      output: { answer: { statusCode: 200, body: JSON.stringify({ code: 1, version: null, method: null }) }, greeting: 'hello' },
    });
  });

  it('updates each part (code and memory, a route target, the stage throttle, the workflow), then a plan with no changes', async () => {
    const apply = await terraform(['apply', '-auto-approve', '-input=false', ...update]);
    assert.equal(apply.code, 0, apply.out);
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', ...update]);
    assert.equal(plan.code, 0, `a plan after the update must find no changes:\n${plan.out}`);
    const f = await lambdaClient(p.url!, key).send(new GetFunctionCommand({ FunctionName: 'tf-app', Qualifier: 'live' }));
    assert.deepEqual([f.Configuration?.Version, f.Configuration?.MemorySize], ['2', 256]);
    // GET /v1 now goes to the 2.0 integration; the stage's throttle is the new one.
    assert.deepEqual(await callApi(apiId, '/v1'), { status: 200, body: { code: 2, version: '2.0', method: null } });
    const gw = apiGatewayClient(p.url!, key);
    const stage = await gw.send(new GetStageCommand({ ApiId: apiId, StageName: '$default' }));
    const beta = await gw.send(new GetStageCommand({ ApiId: apiId, StageName: 'beta' }));
    gw.destroy();
    assert.equal(stage.DefaultRouteSettings?.ThrottlingBurstLimit, 200);
    assert.deepEqual([beta.Tags, beta.DefaultRouteSettings?.ThrottlingBurstLimit], [{ greeting: 'hi' }, 0], "the stage's tag changed");
    // The alias moved to the new version of the definition, which calls the new code.
    assert.deepEqual(await runFlow(flowAlias, {}), {
      status: 'SUCCEEDED',
      output: { answer: { statusCode: 200, body: JSON.stringify({ code: 2, version: null, method: null }) }, greeting: 'hi' },
    });
  });

  it('destroys everything it made', async () => {
    // Without the refresh that destroy runs first: a plan walk of its own (one more provider
    // start and validation, ~4 s), reading what the plan above has just read.
    const destroy = await terraform(['destroy', '-auto-approve', '-input=false', '-refresh=false', ...update]);
    assert.equal(destroy.code, 0, destroy.out);
    const name = (call: Promise<unknown>) =>
      call.then(
        () => 'found',
        (e: Error) => e.name,
      );
    const lambda = lambdaClient(p.url!, key);
    const gw = apiGatewayClient(p.url!, key);
    const sfn = sfnClient(p.url!, key);
    try {
      assert.deepEqual(
        await Promise.all([
          name(lambda.send(new GetFunctionCommand({ FunctionName: 'tf-app' }))),
          name(gw.send(new GetApiCommand({ ApiId: apiId }))),
          name(gw.send(new GetDomainNameCommand({ DomainName: 'api.example.test' }))),
          name(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: flowAlias.replace(/:live$/, '') }))),
          name(
            sfn.send(new DescribeActivityCommand({ activityArn: flowAlias.replace(/stateMachine:tf-flow:live$/, 'activity:tf-review') })),
          ),
        ]),
        ['ResourceNotFoundException', 'NotFoundException', 'NotFoundException', 'StateMachineDoesNotExist', 'ActivityDoesNotExist'],
      );
    } finally {
      lambda.destroy();
      gw.destroy();
      sfn.destroy();
    }
  });
});
