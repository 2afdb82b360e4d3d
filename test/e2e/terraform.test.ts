/**
 * The real Terraform and AWS provider against a started Hangar: apply a Lambda estate (a
 * published function with reserved concurrency, tags and a layer, the layer version, its runtime
 * management and recursion configs, an alias, a permission, a function URL,
 * an event invoke config, a provisioned concurrency config, the aws_lambda_function data
 * source), plan (no changes), update the code and memory (a new version, the alias moved), plan
 * (no changes), destroy. Skipped, with the reason, where the host has no terraform binary or no
 * local copy of the hashicorp/aws provider (HANGAR_TEST_TF_PLUGINS, default /opt/tf-plugins: a
 * filesystem mirror; the test downloads nothing), or cannot sandbox functions.
 * test/aws/lambda-terraform.test.ts replays the same calls with the AWS SDK everywhere.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';

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

function configuration(): string {
  return `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "${version()}" }
  }
}
variable "zip" { default = "fn1.zip" }
variable "memory" { default = 128 }
provider "aws" {
  region                      = "${REGION}"
  access_key                  = "${key.keyId}"
  secret_key                  = "${key.key}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    lambda = "${p.url}"
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
output "version" { value = aws_lambda_function.app.version }
output "data_version" { value = data.aws_lambda_function.app.version }
`;
}

before(async () => {
  if (skip) return;
  p = await testPlatform();
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
  writeFileSync(join(dir, 'fn1.zip'), makeZip({ 'index.js': 'exports.handler = async () => 1;' }));
  writeFileSync(join(dir, 'fn2.zip'), makeZip({ 'index.js': 'exports.handler = async () => 2;' }));
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

describe('Terraform with the AWS provider manages a Lambda estate on Hangar', { skip }, () => {
  const update = ['-var', 'zip=fn2.zip', '-var', 'memory=256'];

  it('init, apply, then a plan with no changes', async () => {
    const init = await terraform(['init', '-input=false']);
    assert.equal(init.code, 0, init.out);
    const apply = await terraform(['apply', '-auto-approve', '-input=false']);
    assert.equal(apply.code, 0, apply.out);
    assert.match(apply.out, /Resources: 9 added/);
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false']);
    assert.equal(plan.code, 0, `a plan after the apply must find no changes:\n${plan.out}`);
    const out = await terraform(['output', '-raw', 'version']);
    assert.equal(out.out.trim(), '1');
  });

  it('updates the code and memory: a new version, the alias moved, then a plan with no changes', async () => {
    const apply = await terraform(['apply', '-auto-approve', '-input=false', ...update]);
    assert.equal(apply.code, 0, apply.out);
    const plan = await terraform(['plan', '-detailed-exitcode', '-input=false', ...update]);
    assert.equal(plan.code, 0, `a plan after the update must find no changes:\n${plan.out}`);
    const f = await lambdaClient(p.url!, key).send(new GetFunctionCommand({ FunctionName: 'tf-app', Qualifier: 'live' }));
    assert.deepEqual([f.Configuration?.Version, f.Configuration?.MemorySize], ['2', 256]);
  });

  it('destroys everything it made', async () => {
    // Without the refresh that destroy runs first: a plan walk of its own (one more provider
    // start and validation, ~4 s), reading what the plan above has just read.
    const destroy = await terraform(['destroy', '-auto-approve', '-input=false', '-refresh=false', ...update]);
    assert.equal(destroy.code, 0, destroy.out);
    const gone = await lambdaClient(p.url!, key)
      .send(new GetFunctionCommand({ FunctionName: 'tf-app' }))
      .then(
        () => 'found',
        (e: Error) => e.name,
      );
    assert.equal(gone, 'ResourceNotFoundException');
  });
});
