/**
 * Lambda's request and response shapes over Hangar's function model: reading a JSON body's
 * fields as Lambda's API reference types them, and writing FunctionConfiguration and
 * AliasConfiguration. No decisions: those are core/function.ts's.
 */
import {
  ErrorCode,
  functionErrors,
  InvalidInput,
  LATEST,
  parseFunctionRef,
  type FunctionAlias,
  type FunctionImageConfig,
  type FunctionLoggingInput,
  type FunctionSnapshot,
} from '../../core/index.ts';
import { accountIdOf, functionArn, layerArn } from '../identity.ts';
import type { AwsCall, AwsCaller } from '../service.ts';

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/** A restJson1 body as an object; an empty body is `{}`. */
export function jsonBody(call: AwsCall): Record<string, unknown> {
  if (call.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(call.body.toString('utf8'));
  } catch {
    throw invalid('the request body is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('the request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** Typed reads of optional fields: absent (or null) is undefined, a wrong type is refused naming the field. */
export const field = {
  string(o: Record<string, unknown>, name: string): string | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalid(`${name} must be a string`);
    return v;
  },
  integer(o: Record<string, unknown>, name: string): number | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${name} must be a whole number`);
    return v;
  },
  boolean(o: Record<string, unknown>, name: string): boolean | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw invalid(`${name} must be true or false`);
    return v;
  },
  object(o: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${name} must be an object`);
    return v as Record<string, unknown>;
  },
  list(o: Record<string, unknown>, name: string): unknown[] | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw invalid(`${name} must be a list`);
    return v;
  },
};

/** Code.ZipFile's bytes. Hangar takes the zip in the request only: S3 locations and container
 *  images name things it does not have. */
export function zipOf(code: Record<string, unknown>): Buffer {
  if (code.S3Bucket !== undefined || code.S3Key !== undefined || code.S3ObjectVersion !== undefined)
    throw invalid('Hangar takes code as Code.ZipFile (the zip in the request, up to 50 MB), not from S3 (S3Bucket/S3Key)');
  if (code.ImageUri !== undefined)
    throw invalid('ImageUri is the code of a function packaged as an image: set PackageType Image (a zip function takes Code.ZipFile)');
  const zip = field.string(code, 'ZipFile');
  if (zip === undefined) throw invalid('Code.ZipFile is required: the function code as a zip, base64-encoded');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(zip)) throw invalid('Code.ZipFile must be base64');
  return Buffer.from(zip, 'base64');
}

/** The code a request gives: Code.ImageUri with PackageType Image, else Code.ZipFile. */
export function codeOfRequest(code: Record<string, unknown>, packageType: string | undefined): { zip: Buffer } | { imageUri: string } {
  if (packageType !== 'Image') return { zip: zipOf(code) };
  if (code.ZipFile !== undefined || code.S3Bucket !== undefined || code.S3Key !== undefined)
    throw invalid('a function packaged as an image (PackageType Image) takes Code.ImageUri, not a zip');
  const imageUri = field.string(code, 'ImageUri');
  if (!imageUri) throw invalid('Code.ImageUri is required with PackageType Image');
  return { imageUri };
}

/** ImageConfig (EntryPoint, Command, WorkingDirectory); absent: unchanged (or the image's own). */
export function imageConfigOf(body: Record<string, unknown>): FunctionImageConfig | undefined {
  const c = field.object(body, 'ImageConfig');
  if (!c) return undefined;
  const list = (name: string) => {
    const v = field.list(c, name);
    if (v?.some((x) => typeof x !== 'string')) throw invalid(`ImageConfig.${name} must be a list of strings`);
    return v as string[] | undefined;
  };
  const [entryPoint, command, workingDirectory] = [list('EntryPoint'), list('Command'), field.string(c, 'WorkingDirectory')];
  return {
    ...(entryPoint === undefined ? {} : { entryPoint }),
    ...(command === undefined ? {} : { command }),
    ...(workingDirectory ? { workingDirectory } : {}),
  };
}

/** Environment.Variables: a map of strings (absent: not changed). */
export function environmentOf(body: Record<string, unknown>): Record<string, string> | undefined {
  const env = field.object(body, 'Environment');
  if (!env) return undefined;
  const vars = field.object(env, 'Variables') ?? {};
  for (const [k, v] of Object.entries(vars)) if (typeof v !== 'string') throw invalid(`Environment.Variables.${k} must be a string`);
  return vars as Record<string, string>;
}

/** The architecture Hangar runs functions on: the host's. */
export const ARCHITECTURE = process.arch === 'arm64' ? 'arm64' : 'x86_64';

/** Refuses what Hangar cannot honour rather than ignore it: another architecture, container
 *  images, a dead-letter queue, and any value of a setting other than the one Hangar answers
 *  (ephemeral storage, SnapStart, X-Ray tracing, a log group, code signing, file
 *  systems): kept and ignored, a tool that reads it back (Terraform) would see it change.
 *  VpcConfig and KMSKeyArn are taken empty only (what Terraform sends to detach): see checkAwsNetworkAndKey.
 *  `functionName`: the function's name, its default log group's. */
export function checkUnsupported(body: Record<string, unknown>, functionName?: string): void {
  const archs = field.list(body, 'Architectures');
  if (archs && (archs.length !== 1 || archs[0] !== ARCHITECTURE))
    throw invalid(`this Hangar runs functions on ${ARCHITECTURE}: Architectures must be ["${ARCHITECTURE}"]`);
  const packageType = field.string(body, 'PackageType');
  if (packageType !== undefined && packageType !== 'Zip' && packageType !== 'Image') throw invalid('PackageType must be Zip or Image');
  // Failed Event invocations would be expected in that queue or topic: refused, not ignored.
  const dlq = field.object(body, 'DeadLetterConfig');
  if (dlq && field.string(dlq, 'TargetArn'))
    throw invalid(
      "Hangar has no SQS or SNS for DeadLetterConfig: a failed Event invocation stays in Hangar's dead-letter queue (GET /dlq), or goes to an OnFailure destination function (PutFunctionEventInvokeConfig)",
    );
  const storage = field.object(body, 'EphemeralStorage');
  const size = storage && field.integer(storage, 'Size');
  if (size !== undefined && size !== DEFAULT_SETTINGS.EphemeralStorage.Size)
    throw invalid(`Hangar gives every function ${DEFAULT_SETTINGS.EphemeralStorage.Size} MB of /tmp: EphemeralStorage.Size must be 512`);
  const snapStart = field.object(body, 'SnapStart');
  const applyOn = snapStart && field.string(snapStart, 'ApplyOn');
  if (applyOn !== undefined && applyOn !== 'None') throw invalid('Hangar has no SnapStart: SnapStart.ApplyOn must be None');
  const tracing = field.object(body, 'TracingConfig');
  const mode = tracing && field.string(tracing, 'Mode');
  if (mode !== undefined && mode !== 'PassThrough') throw invalid('Hangar has no X-Ray: TracingConfig.Mode must be PassThrough');
  const logging = field.object(body, 'LoggingConfig');
  if (logging) {
    // LogFormat and the levels are kept (loggingOf); the group is the one Hangar has.
    const group = field.string(logging, 'LogGroup');
    if (group !== undefined && group !== `/aws/lambda/${functionName}`)
      throw invalid('Hangar has no CloudWatch log groups: LoggingConfig.LogGroup may only be /aws/lambda/<function name>');
  }
  if (field.string(body, 'CodeSigningConfigArn'))
    throw invalid('Hangar does not verify code signatures: a function cannot have a code signing config (CodeSigningConfigArn)');
  if ((field.list(body, 'FileSystemConfigs') ?? []).length > 0) throw invalid('Hangar has no EFS: FileSystemConfigs must be empty');
  checkAwsNetworkAndKey(body);
}

/** A VPC and a KMS key name things of an AWS account Hangar has not. Kept and not used, the
 *  function would run elsewhere than its owner thinks (VPC) or its variables would seem
 *  encrypted under their key when they are not (KMS): refused unless empty, which is what
 *  Terraform sends to take them off and what a function outside a VPC reads back. */
function checkAwsNetworkAndKey(body: Record<string, unknown>): void {
  const vpc = field.object(body, 'VpcConfig');
  if (vpc && ((field.list(vpc, 'SubnetIds') ?? []).length > 0 || (field.list(vpc, 'SecurityGroupIds') ?? []).length > 0))
    throw invalid(
      "Hangar has no VPCs: a function's network is its own setting, `network` of PUT /functions/{name} (none by default, or egress through Hangar's guarded proxy); VpcConfig must have no SubnetIds or SecurityGroupIds",
    );
  if (vpc && field.boolean(vpc, 'Ipv6AllowedForDualStack'))
    throw invalid('Hangar has no VPCs: VpcConfig.Ipv6AllowedForDualStack must be false');
  if (field.string(body, 'KMSKeyArn'))
    throw invalid(
      "Hangar does not use AWS KMS: a function's environment variables are kept in Hangar's store as given; a sensitive value belongs in a Hangar secret (PUT /secrets/{name}, encrypted with the server's key; named in `secrets` of PUT /functions/{name}, set as an environment variable when an instance starts); KMSKeyArn must be empty",
    );
}

/** LoggingConfig's format and levels (core/function.ts checks them); absent: unchanged. An
 *  empty string is no value, as Terraform sends an unset level. */
export function loggingOf(body: Record<string, unknown>): FunctionLoggingInput | undefined {
  const logging = field.object(body, 'LoggingConfig');
  if (!logging) return undefined;
  const read = (name: string) => field.string(logging, name) || undefined;
  const input: FunctionLoggingInput = {
    format: read('LogFormat'),
    applicationLogLevel: read('ApplicationLogLevel'),
    systemLogLevel: read('SystemLogLevel'),
  };
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as FunctionLoggingInput;
  return Object.keys(given).length === 0 ? undefined : given;
}

/** LoggingConfig as Lambda answers it: the levels with JSON only. */
const loggingConfiguration = (f: FunctionSnapshot): Record<string, string> =>
  f.logging === undefined
    ? { LogFormat: 'Text', LogGroup: `/aws/lambda/${f.name}` }
    : {
        LogFormat: 'JSON',
        ApplicationLogLevel: f.logging.applicationLogLevel,
        SystemLogLevel: f.logging.systemLogLevel,
        LogGroup: `/aws/lambda/${f.name}`,
      };

/** The settings every function has, as Lambda reports them for a function that does not change them. */
export const DEFAULT_SETTINGS = {
  EphemeralStorage: { Size: 512 },
  TracingConfig: { Mode: 'PassThrough' },
  SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
} as const;

/** The function a FunctionName (a name, partial ARN or ARN) and Qualifier name; another
 *  account's ARN is a function this caller does not have. */
export function functionRefOf(caller: AwsCaller, functionName: string, qualifier?: string | null) {
  const ref = parseFunctionRef(functionName, qualifier ?? undefined);
  if (ref.accountId !== null && ref.accountId !== caller.accountId) throw functionErrors.notFound(ref.name);
  return ref;
}

/** Lambda's LastModified: ISO 8601 with milliseconds and a +0000 offset. */
export const lastModified = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/** Lambda's FunctionConfiguration. `qualifier` is how the caller named it (the ARN says so). */
export function functionConfiguration(caller: AwsCaller, f: FunctionSnapshot, qualifier?: string): Record<string, unknown> {
  const version = f.version === LATEST ? LATEST : String(f.version);
  return {
    FunctionName: f.name,
    FunctionArn: functionArn(caller.region, caller.accountId, f.name, qualifier),
    // A function packaged as an image has no Runtime or Handler (its image brings them).
    ...(f.code.image ? {} : { Runtime: f.runtime }),
    ...(f.handler === null ? {} : { Handler: f.handler }),
    CodeSize: f.code.size,
    CodeSha256: f.code.sha256,
    Description: f.description,
    Timeout: f.timeoutS,
    MemorySize: f.memoryMb,
    LastModified: lastModified(f.lastModified),
    Version: version,
    // Lambda leaves Environment out for a function without variables (and Terraform reads an
    // empty one as a block the configuration does not have).
    ...(Object.keys(f.environment).length > 0 ? { Environment: { Variables: f.environment } } : {}),
    ...(f.role === undefined ? {} : { Role: f.role }),
    RevisionId: f.revisionId,
    State: f.state,
    LastUpdateStatus: 'Successful',
    PackageType: f.code.image ? 'Image' : 'Zip',
    ...imageConfigResponse(f.imageConfig),
    Architectures: [ARCHITECTURE],
    ...DEFAULT_SETTINGS,
    // What Lambda answers for a function outside any VPC (Terraform reads it as no vpc_config).
    VpcConfig: { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false },
    LoggingConfig: loggingConfiguration(f),
    ...(f.layers.length > 0
      ? {
          Layers: f.layers.map((l) => ({
            Arn: layerArn(caller.region, l.ownerId === undefined ? caller.accountId : accountIdOf(l.ownerId), l.name, l.version),
            CodeSize: l.code.size,
          })),
        }
      : {}),
  };
}

/** ImageConfigResponse: the overrides, when there are any. */
function imageConfigResponse(c: FunctionImageConfig | undefined): Record<string, unknown> {
  if (!c || Object.keys(c).length === 0) return {};
  return {
    ImageConfigResponse: {
      ImageConfig: {
        ...(c.entryPoint ? { EntryPoint: c.entryPoint } : {}),
        ...(c.command ? { Command: c.command } : {}),
        ...(c.workingDirectory ? { WorkingDirectory: c.workingDirectory } : {}),
      },
    },
  };
}

/** GetFunction's Code of an image function: ImageUri as given, ResolvedImageUri by the digest
 *  Hangar gives the image (its CodeSha256, in hex), and RepositoryType ECR as Lambda answers. */
export function imageCodeLocation(f: FunctionSnapshot): Record<string, string> | null {
  if (!f.code.image) return null;
  const repository = f.code.image.uri.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/:[\w][\w.-]*$/, '');
  const hex = Buffer.from(f.code.sha256, 'base64').toString('hex');
  return { RepositoryType: 'ECR', ImageUri: f.code.image.uri, ResolvedImageUri: `${repository}@sha256:${hex}` };
}

/** Lambda's AliasConfiguration. */
export function aliasConfiguration(caller: AwsCaller, a: FunctionAlias): Record<string, unknown> {
  return {
    AliasArn: functionArn(caller.region, caller.accountId, a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.version === LATEST ? LATEST : String(a.version),
    Description: a.description,
    RevisionId: a.revisionId,
  };
}

/** Marker/MaxItems over a list read whole (versions, aliases): the marker is the next index. */
export function pageOfList<T>(items: T[], query: URLSearchParams, maxDefault = 50): { items: T[]; next: string | undefined } {
  const marker = query.get('Marker');
  const start = marker === null ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0) throw invalid(`Marker '${marker}' is not one this API gave`);
  const max = maxItemsOf(query, maxDefault);
  const page = items.slice(start, start + max);
  return { items: page, next: start + max < items.length ? String(start + max) : undefined };
}

/** MaxItems: 1 to `bound` (10,000 for most lists, as Lambda's reference says; 50 for
 *  ListFunctionEventInvokeConfigs), a page at most 50 (Lambda's own cap). */
export function maxItemsOf(query: URLSearchParams, maxDefault = 50, bound = 10_000): number {
  const raw = query.get('MaxItems');
  if (raw === null) return maxDefault;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > bound) throw invalid(`MaxItems must be a whole number from 1 to ${bound}`);
  return Math.min(n, maxDefault);
}
