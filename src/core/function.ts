/**
 * Functions: the model and its pure decisions, as AWS Lambda defines them (CreateFunction,
 * UpdateFunctionConfiguration, PublishVersion, CreateAlias, PutFunctionConcurrency), so that the
 * native API, the Lambda-compatible API and the runtime agree on what a function is. A function
 * is per user and named; `$LATEST` is the editable one, published versions (1, 2, ...) are
 * immutable snapshots of it, aliases name a version. Nothing here stores or runs anything.
 */
import { Conflict, ErrorCode, InvalidInput, NotFound } from './errors.ts';
import { checkImageConfig, type FunctionImageConfig, type FunctionImageRef } from './function-image.ts';

/** Limits, as Lambda's API reference states them (and Hangar keeps them). */
export const FUNCTION_LIMITS = {
  nameMax: 64,
  memoryMinMb: 128,
  memoryMaxMb: 10_240,
  memoryDefaultMb: 128,
  timeoutMinS: 1,
  timeoutMaxS: 900,
  timeoutDefaultS: 3,
  /** Keys and values of the environment together, in UTF-8 bytes. */
  environmentMaxBytes: 4096,
  descriptionMax: 256,
  handlerMax: 128,
  aliasNameMax: 128,
  /** Layers a function may use. */
  layersMax: 5,
  /** Lambda gives a function one vCPU at 1,769 MB, and CPU in proportion to memory. */
  mbPerVcpu: 1769,
} as const;

/** The runtimes Hangar runs: its pinned Node, Python 3, and any Runtime API client. */
export const RuntimeFamily = { nodejs: 'nodejs', python3: 'python3', provided: 'provided' } as const;
export type RuntimeFamily = (typeof RuntimeFamily)[keyof typeof RuntimeFamily];

export const FunctionNetwork = { none: 'none', egress: 'egress' } as const;
export type FunctionNetwork = (typeof FunctionNetwork)[keyof typeof FunctionNetwork];

/** Lambda's function states. A function whose code and configuration are stored is Active:
 *  Hangar has no asynchronous preparation step yet (Pending) nor reclaims idle ones (Inactive). */
export const FunctionState = { Pending: 'Pending', Active: 'Active', Inactive: 'Inactive', Failed: 'Failed' } as const;
export type FunctionState = (typeof FunctionState)[keyof typeof FunctionState];

/** `$LATEST` (the editable function) or a published version's number. */
export type VersionRef = '$LATEST' | number;
export const LATEST = '$LATEST';

/** What runs: everything a version snapshots besides its code. */
export interface FunctionConfig {
  /** The runtime as declared (Lambda echoes it back: `nodejs22.x`). */
  runtime: string;
  runtimeFamily: RuntimeFamily;
  /** `file.export` for nodejs and python3; null only for provided. */
  handler: string | null;
  memoryMb: number;
  timeoutS: number;
  environment: Record<string, string>;
  /** Names of the user's Hangar secrets, injected as environment variables by the runtime. */
  secrets: string[];
  network: FunctionNetwork;
  description: string;
  /** The layer versions whose contents appear at /opt, in this order (later over earlier). */
  layers: FunctionLayer[];
  /** The execution role Lambda's API was given (its Role), kept to be answered back: Hangar
   *  has no IAM and runs nothing as it. Absent when none was given (the native API's). */
  role?: string;
  /** Lambda's LoggingConfig in JSON: absent is Text (the output as printed, START/END/REPORT). */
  logging?: FunctionLogging;
  /** Present (if only `{}`) for a function packaged as a container image (its code's `image`):
   *  its ImageConfig. Such a function has no runtime (''), handler or layers. */
  imageConfig?: FunctionImageConfig;
}

/** Lambda's log formats: Text (as printed) or JSON (a record per line, filtered by level). */
export const LogFormat = { Text: 'Text', JSON: 'JSON' } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

/** The function's own log levels, most detailed first (a level keeps itself and those after it). */
export const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type ApplicationLogLevel = (typeof APPLICATION_LOG_LEVELS)[number];
/** The platform's log levels (its START/END/REPORT records are INFO), most detailed first. */
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type SystemLogLevel = (typeof SYSTEM_LOG_LEVELS)[number];

/** JSON logs and their levels (Lambda's defaults: INFO and INFO). */
export interface FunctionLogging {
  format: typeof LogFormat.JSON;
  applicationLogLevel: ApplicationLogLevel;
  systemLogLevel: SystemLogLevel;
}

/** LoggingConfig as asked for: each field optional, not yet checked. */
export interface FunctionLoggingInput {
  format?: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
}

/** A layer version a function uses (core/layer.ts), with the content it runs with: kept in the
 *  function's snapshot, so a version deleted later still runs where it is used, as on Lambda. */
export interface FunctionLayer {
  name: string;
  version: number;
  code: FunctionCode;
  /** The user whose layer it is, when not the function's (a version another account's policy
   *  shares: core/layer-policy.ts); absent for the function's user's own. */
  ownerId?: string;
}

/** The code: a zip as Lambda takes it, its bytes in the BlobStore under `blobKey`; or a
 *  container image (`image`; no blob: blobKey is '', size 0). */
export interface FunctionCode {
  /** Lambda's CodeSha256: the SHA-256 of the zip (of an image: of its import record), base64. */
  sha256: string;
  size: number;
  blobKey: string;
  image?: FunctionImageRef;
}

/** A function as it is at one version ($LATEST or a published one). */
export interface FunctionSnapshot extends FunctionConfig {
  userId: string;
  name: string;
  version: VersionRef;
  code: FunctionCode;
  /** New at every change (Lambda's RevisionId), so an update can be made conditional on it. */
  revisionId: string;
  /** ms since the epoch. */
  lastModified: number;
  state: FunctionState;
}

/** What a create asks for, defaults not yet applied: see newFunctionConfig. */
export interface FunctionConfigInput {
  runtime: string;
  handler?: string | null;
  memoryMb?: number;
  timeoutS?: number;
  environment?: Record<string, string>;
  secrets?: string[];
  network?: string;
  description?: string;
  /** Resolved by the caller from the ARNs given (app/layers.ts). */
  layers?: FunctionLayer[];
  role?: string;
  logging?: FunctionLoggingInput;
  /** Given (if only `{}`) for a function packaged as an image: see FunctionConfig. */
  imageConfig?: FunctionImageConfig;
}

/** What UpdateFunctionConfiguration may change; absent fields stay as they are. */
export type FunctionConfigPatch = Partial<FunctionConfigInput>;

export interface NewFunction extends FunctionConfig {
  userId: string;
  name: string;
  code: FunctionCode;
}

export interface FunctionAlias {
  userId: string;
  functionName: string;
  name: string;
  version: VersionRef;
  description: string;
  revisionId: string;
  createdAt: number;
  updatedAt: number;
}

export interface AliasInput {
  name: string;
  version: VersionRef;
  description?: string;
}

// --- Names ---

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Lambda's alias pattern: letters, digits, - and _, not all digits (that would be a version). */
const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const VERSION_NUMBER = /^[1-9]\d{0,9}$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/** The refusals every backend and use case gives, worded once. */
export const functionErrors = {
  notFound: (name: string, version?: VersionRef) =>
    new NotFound(
      ErrorCode.FunctionNotFound,
      version === undefined ? `function ${name} not found` : `function ${name} has no version ${version}`,
    ),
  exists: (name: string) => new Conflict(ErrorCode.FunctionExists, `function ${name} already exists`),
  aliasNotFound: (functionName: string, alias: string) =>
    new NotFound(ErrorCode.FunctionAliasNotFound, `function ${functionName} has no alias ${alias}`),
  aliasExists: (functionName: string, alias: string) =>
    new Conflict(ErrorCode.FunctionAliasExists, `function ${functionName} already has an alias ${alias}`),
};

export function checkFunctionName(name: string): string {
  if (!FUNCTION_NAME.test(name)) throw invalid(`function name '${name}' must be 1-64 characters of A-Z a-z 0-9 _ -`);
  return name;
}

export function checkAliasName(name: string): string {
  if (!ALIAS_NAME.test(name)) throw invalid(`alias name '${name}' must be 1-128 characters of A-Z a-z 0-9 _ -, not all digits`);
  return name;
}

// --- Runtimes ---

/**
 * The Hangar runtime a declared name runs on: Lambda's `nodejsN.x` → nodejs (Hangar's pinned
 * Node, whatever N: handlers written for one Node major run on the next), `python3.N` →
 * python3, `provided`, `provided.al2`, `provided.al2023` → provided. Hangar's own family names
 * are accepted too. Other runtimes (java, dotnet, ruby) are refused rather than run wrongly.
 */
export function runtimeFamilyOf(runtime: string): RuntimeFamily {
  if (/^nodejs(\d+\.x|\d+\.\d+)?$/.test(runtime)) return RuntimeFamily.nodejs;
  if (/^python3(\.\d+)?$/.test(runtime)) return RuntimeFamily.python3;
  if (/^provided(\.al2|\.al2023)?$/.test(runtime)) return RuntimeFamily.provided;
  throw invalid(
    `runtime '${runtime}' is not supported: use nodejs (nodejs22.x ...), python3 (python3.12 ...) or provided (provided.al2023 ...)`,
  );
}

// --- Configuration ---

/** Lambda sets these itself in every execution environment; a function may not. */
export const RESERVED_ENVIRONMENT_KEYS: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);

/** Lambda's key pattern: a letter, then at least one letter, digit or underscore. */
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]+$/;
/** Hangar's secret names (the secrets API's). */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Lambda's handler pattern: no whitespace. */
const HANDLER = /^\S{1,128}$/;

function checkInteger(what: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(`${what} must be a whole number from ${min} to ${max}, not ${v}`);
  return v;
}

export function checkEnvironment(env: Record<string, string>): Record<string, string> {
  let bytes = 0;
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key)) throw invalid(`environment key '${key}' must match [a-zA-Z][a-zA-Z0-9_]+`);
    if (RESERVED_ENVIRONMENT_KEYS.has(key)) throw invalid(`environment key '${key}' is reserved: the runtime sets it`);
    if (typeof value !== 'string') throw invalid(`environment value of '${key}' must be a string`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > FUNCTION_LIMITS.environmentMaxBytes) {
    throw invalid(`environment is ${bytes} bytes; keys and values together may be at most ${FUNCTION_LIMITS.environmentMaxBytes}`);
  }
  return { ...env };
}

function checkSecrets(secrets: string[], env: Record<string, string>): string[] {
  for (const s of secrets) {
    if (!SECRET_NAME.test(s)) throw invalid(`secret name '${s}' is not a secret name ([A-Za-z_][A-Za-z0-9_]*, at most 128)`);
    // Secrets become environment variables too: the same names are off limits, and one name
    // cannot be both (which would win is not something a user should have to know).
    if (RESERVED_ENVIRONMENT_KEYS.has(s)) throw invalid(`secret '${s}' has a reserved environment name`);
    if (Object.hasOwn(env, s)) throw invalid(`'${s}' is both an environment variable and a secret`);
  }
  return [...new Set(secrets)];
}

function checkHandler(family: RuntimeFamily, handler: string | null | undefined): string | null {
  if (handler === undefined || handler === null || handler === '') {
    if (family === RuntimeFamily.provided) return null;
    throw invalid(`a ${family} function needs a handler (e.g. index.handler)`);
  }
  if (!HANDLER.test(handler)) throw invalid(`handler '${handler}' must be 1-128 characters without whitespace`);
  return handler;
}

function checkNetwork(network: string): FunctionNetwork {
  if (network !== FunctionNetwork.none && network !== FunctionNetwork.egress)
    throw invalid(`network must be 'none' or 'egress', not '${network}'`);
  return network;
}

function checkDescription(what: string, d: string): string {
  if (d.length > FUNCTION_LIMITS.descriptionMax) throw invalid(`${what} may be at most ${FUNCTION_LIMITS.descriptionMax} characters`);
  return d;
}

/** A create's configuration, checked, with Lambda's defaults (128 MB, 3 s, no network). */
export function newFunctionConfig(input: FunctionConfigInput): FunctionConfig {
  const image = input.imageConfig !== undefined;
  if (image && input.runtime) throw invalid('a function packaged as an image (PackageType Image) has no Runtime: the image brings it');
  if (image && input.handler)
    throw invalid('a function packaged as an image (PackageType Image) has no Handler: its CMD names it (ImageConfig.Command)');
  if (image && (input.layers ?? []).length > 0)
    throw invalid('a function packaged as an image (PackageType Image) cannot use layers: build them into the image');
  const runtimeFamily = image ? RuntimeFamily.provided : runtimeFamilyOf(input.runtime);
  const environment = checkEnvironment(input.environment ?? {});
  return {
    runtime: input.runtime,
    runtimeFamily,
    handler: checkHandler(runtimeFamily, input.handler),
    memoryMb: checkInteger(
      'memory (MB)',
      input.memoryMb ?? FUNCTION_LIMITS.memoryDefaultMb,
      FUNCTION_LIMITS.memoryMinMb,
      FUNCTION_LIMITS.memoryMaxMb,
    ),
    timeoutS: checkInteger(
      'timeout (s)',
      input.timeoutS ?? FUNCTION_LIMITS.timeoutDefaultS,
      FUNCTION_LIMITS.timeoutMinS,
      FUNCTION_LIMITS.timeoutMaxS,
    ),
    environment,
    secrets: checkSecrets(input.secrets ?? [], environment),
    network: checkNetwork(input.network ?? FunctionNetwork.none),
    description: checkDescription('description', input.description ?? ''),
    layers: checkFunctionLayers(input.layers ?? []),
    ...(input.role === undefined ? {} : { role: checkRole(input.role) }),
    ...loggingOf(input.logging ?? {}),
    ...(image ? { imageConfig: checkImageConfig(input.imageConfig ?? {}) } : {}),
  };
}

/** The logging a LoggingConfig asks for: levels only with JSON (Lambda refuses them with Text),
 *  INFO where JSON names none. Nothing for Text. */
function loggingOf(input: FunctionLoggingInput): { logging?: FunctionLogging } {
  const format = input.format ?? LogFormat.Text;
  if (format !== LogFormat.Text && format !== LogFormat.JSON) throw invalid(`log format '${format}' is not Text or JSON`);
  if (format === LogFormat.Text) {
    if (input.applicationLogLevel !== undefined || input.systemLogLevel !== undefined)
      throw invalid('log levels (ApplicationLogLevel, SystemLogLevel) apply to the JSON log format only: set LogFormat JSON too');
    return {};
  }
  return {
    logging: {
      format,
      applicationLogLevel: checkLevel('application log level', APPLICATION_LOG_LEVELS, input.applicationLogLevel ?? 'INFO'),
      systemLogLevel: checkLevel('system log level', SYSTEM_LOG_LEVELS, input.systemLogLevel ?? 'INFO'),
    },
  };
}

function checkLevel<L extends string>(what: string, levels: readonly L[], level: string): L {
  if (!(levels as readonly string[]).includes(level)) throw invalid(`${what} '${level}' is not one of ${levels.join(', ')}`);
  return level as L;
}

/** A LoggingConfig change over the current one: a format given starts afresh (JSON to Text
 *  drops the levels); levels alone change the current format's. */
function patchedLogging(current: FunctionLogging | undefined, patch: FunctionLoggingInput | undefined): FunctionLoggingInput {
  const now: FunctionLoggingInput = current ?? {};
  if (patch === undefined) return now;
  if (patch.format !== undefined) return patch;
  return {
    ...now,
    ...(patch.applicationLogLevel === undefined ? {} : { applicationLogLevel: patch.applicationLogLevel }),
    ...(patch.systemLogLevel === undefined ? {} : { systemLogLevel: patch.systemLogLevel }),
  };
}

/** Whether a log record at `level` is kept under `threshold` (levels most detailed first). */
export function logLevelKept<L extends string>(levels: readonly L[], level: L, threshold: L): boolean {
  return levels.indexOf(level) >= levels.indexOf(threshold);
}

/** An IAM role's ARN, as Lambda's Role must be. */
function checkRole(role: string): string {
  if (role.length > 2048 || !/^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/.test(role))
    throw invalid(`role '${role.slice(0, 100)}' is not an IAM role's ARN (arn:aws:iam::<account>:role/<name>)`);
  return role;
}

/** At most five layers, one version of each (as Lambda: two versions of one layer would each
 *  hide the other's files). Their order is kept: it is the order they are laid out in. */
export function checkFunctionLayers(layers: FunctionLayer[]): FunctionLayer[] {
  if (layers.length > FUNCTION_LIMITS.layersMax)
    throw invalid(`a function may use at most ${FUNCTION_LIMITS.layersMax} layers, not ${layers.length}`);
  const names = new Set<string>();
  for (const l of layers) {
    const key = `${l.ownerId ?? ''}/${l.name}`;
    if (names.has(key)) throw invalid(`a function may use one version of layer ${l.name}, not two`);
    names.add(key);
  }
  return layers.map((l) => ({ name: l.name, version: l.version, code: { ...l.code }, ...(l.ownerId ? { ownerId: l.ownerId } : {}) }));
}

/** Whether two lists of layers are the same versions with the same content, in the same order. */
export function sameLayers(a: FunctionLayer[], b: FunctionLayer[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (l, i) => l.name === b[i].name && l.version === b[i].version && l.ownerId === b[i].ownerId && l.code.sha256 === b[i].code.sha256,
    )
  );
}

/**
 * The configuration after an update: the patch's fields over the current ones, checked as a
 * whole (a runtime changed to nodejs needs a handler even if the patch does not name one).
 * The environment is replaced, not merged, as Lambda's Environment.Variables is.
 */
export function applyConfigPatch(current: FunctionConfig, patch: FunctionConfigPatch): FunctionConfig {
  const pick = <K extends keyof FunctionConfigPatch>(k: K) => (patch[k] === undefined ? current[k as keyof FunctionConfig] : patch[k]);
  return newFunctionConfig({
    runtime: pick('runtime') as string,
    handler: pick('handler') as string | null,
    memoryMb: pick('memoryMb') as number,
    timeoutS: pick('timeoutS') as number,
    environment: pick('environment') as Record<string, string>,
    secrets: pick('secrets') as string[],
    network: pick('network') as string,
    description: pick('description') as string,
    layers: pick('layers') as FunctionLayer[],
    role: pick('role') as string | undefined,
    logging: patchedLogging(current.logging, patch.logging),
    ...imagePatch(current.imageConfig, patch.imageConfig),
  });
}

/** ImageConfig after an update: replaced whole when given, as Lambda's; only an image function has one. */
function imagePatch(
  current: FunctionImageConfig | undefined,
  patch: FunctionImageConfig | undefined,
): Pick<FunctionConfigInput, 'imageConfig'> {
  if (current === undefined) {
    if (patch !== undefined) throw invalid('ImageConfig applies to functions packaged as an image (PackageType Image) only');
    return {};
  }
  return { imageConfig: patch ?? current };
}

/** CPU in proportion to memory, as Lambda: vCPUs (1,769 MB = 1). */
export function vcpusFor(memoryMb: number): number {
  return memoryMb / FUNCTION_LIMITS.mbPerVcpu;
}

/** The same share in the CPU units tasks use (1024 = 1 vCPU, Resources.cpu). */
export function cpuUnitsFor(memoryMb: number): number {
  return Math.round((memoryMb * 1024) / FUNCTION_LIMITS.mbPerVcpu);
}

/** Lambda's CodeSha256 is a base64 SHA-256: 44 characters ending in '='. */
export function checkCodeSha256(sha: string): string {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(sha)) throw invalid('code SHA-256 must be a base64 SHA-256 (44 characters)');
  return sha;
}

/** Reserved concurrency: null is unreserved (the shared pool); 0 throttles every invocation.
 *  How much a user may reserve (Lambda: the account's limit less 100 kept unreserved) is the
 *  caller's to check against its settings; this bound only keeps the number sane. */
export function checkReservedConcurrency(n: number): number {
  return checkInteger('reserved concurrency', n, 0, 1_000_000);
}

// --- Revisions ---

/** An update made conditional on a revision goes ahead only on that revision. */
export function checkRevision(what: string, current: string, expected: string | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new Conflict(ErrorCode.FunctionRevisionMismatch, `${what} is at revision ${current}, not ${expected}: read it again and retry`);
  }
}

// --- Versions ---

/**
 * Whether a snapshot runs differently from another: its code or any configuration that runs.
 * The description is left out: it describes a version, and a version's own description may
 * differ from the function's (PublishVersion's Description), which is no change to what runs.
 */
export function sameRunning(a: FunctionSnapshot, b: FunctionSnapshot): boolean {
  return (
    a.code.sha256 === b.code.sha256 &&
    a.runtime === b.runtime &&
    a.handler === b.handler &&
    a.memoryMb === b.memoryMb &&
    a.timeoutS === b.timeoutS &&
    a.network === b.network &&
    sameMap(a.environment, b.environment) &&
    a.secrets.length === b.secrets.length &&
    a.secrets.every((s, i) => s === b.secrets[i]) &&
    sameLayers(a.layers, b.layers) &&
    a.role === b.role &&
    a.logging?.applicationLogLevel === b.logging?.applicationLogLevel &&
    a.logging?.systemLogLevel === b.logging?.systemLogLevel &&
    a.code.image?.uri === b.code.image?.uri &&
    JSON.stringify(a.imageConfig) === JSON.stringify(b.imageConfig)
  );
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

export type PublishDecision = { kind: 'existing'; version: number } | { kind: 'new'; version: number };

/**
 * What PublishVersion does. Lambda "doesn't publish a version if the function's configuration
 * and code haven't changed since the last version"; it answers with that last version (what
 * the CLI shows), so Hangar does the same rather than failing: publishing twice is harmless.
 * Otherwise the next number. Preconditions first: a CodeSha256 or RevisionId the caller
 * names must be $LATEST's.
 */
export function publishDecision(
  latest: FunctionSnapshot,
  last: FunctionSnapshot | null,
  expect: { codeSha256?: string; revisionId?: string } = {},
  highest = 0,
): PublishDecision {
  if (expect.codeSha256 !== undefined && expect.codeSha256 !== latest.code.sha256) {
    throw new Conflict(ErrorCode.FunctionCodeMismatch, `the code is ${latest.code.sha256}, not ${expect.codeSha256}`);
  }
  checkRevision(`function ${latest.name}`, latest.revisionId, expect.revisionId);
  if (last && sameRunning(latest, last)) return { kind: 'existing', version: last.version as number };
  // A deleted version's number is never given again (Lambda's rule): `highest` is the
  // highest number the function ever had, which may be a version since deleted.
  return { kind: 'new', version: Math.max(highest, last ? (last.version as number) : 0) + 1 };
}

/** The version a new version snapshots: $LATEST as it is, numbered, with its own description. */
export function versionOf(
  latest: FunctionSnapshot,
  version: number,
  description: string | undefined,
  revisionId: string,
  at: number,
): FunctionSnapshot {
  return {
    ...latest,
    version,
    description: description === undefined ? latest.description : checkDescription('version description', description),
    revisionId,
    lastModified: at,
  };
}

// --- Changes, as every backend writes them ---

/** A new function at $LATEST. */
export function newLatest(f: NewFunction, revisionId: string, at: number): FunctionSnapshot {
  return { ...f, version: LATEST, revisionId, lastModified: at, state: FunctionState.Active };
}

/** What an update of $LATEST changes: its code (UpdateFunctionCode) or its configuration. */
export type LatestChange = { kind: 'code'; code: FunctionCode } | { kind: 'config'; patch: FunctionConfigPatch };

/** $LATEST after a change, with a new revision; refused unless it is at `expectRevisionId`
 *  (when given). */
export function changedLatest(
  current: FunctionSnapshot,
  change: LatestChange,
  expectRevisionId: string | undefined,
  revisionId: string,
  at: number,
): FunctionSnapshot {
  checkRevision(`function ${current.name}`, current.revisionId, expectRevisionId);
  if (change.kind === 'code' && (change.code.image === undefined) !== (current.imageConfig === undefined))
    throw invalid(
      current.imageConfig === undefined
        ? `function ${current.name} is packaged as a zip (PackageType Zip): its code is a ZipFile, not an ImageUri`
        : `function ${current.name} is packaged as an image (PackageType Image): its code is an ImageUri, not a ZipFile`,
    );
  // The patched configuration replaces the current one whole: a setting it drops (JSON logging
  // back to Text) is gone, not kept from before.
  const { logging: _logging, ...rest } = current;
  const next = change.kind === 'code' ? { ...current, code: change.code } : { ...rest, ...applyConfigPatch(current, change.patch) };
  return { ...next, revisionId, lastModified: at };
}

/** PublishVersion's options: the version's description, and its preconditions. */
export interface PublishOptions {
  description?: string;
  codeSha256?: string;
  revisionId?: string;
}

/** What a publish writes: nothing (the last version is the answer) or a new version. */
export function planPublish(
  latest: FunctionSnapshot,
  last: FunctionSnapshot | null,
  opts: PublishOptions,
  revisionId: string,
  at: number,
  highest = 0,
): { kind: 'existing' | 'new'; version: FunctionSnapshot } {
  const d = publishDecision(latest, last, opts, highest);
  if (d.kind === 'existing' && last) return { kind: 'existing', version: last };
  return { kind: 'new', version: versionOf(latest, d.version, opts.description, revisionId, at) };
}

/**
 * Whether a published version may be deleted: not while an alias names it (Lambda refuses
 * that too: the alias would point at nothing). $LATEST is deleted with its function only.
 */
export function checkVersionDeletable(functionName: string, version: number, aliases: FunctionAlias[]): void {
  const naming = aliases.filter((a) => a.version === version).map((a) => a.name);
  if (naming.length > 0)
    throw new Conflict(
      ErrorCode.FunctionVersionInUse,
      `version ${version} of function ${functionName} is named by alias${naming.length > 1 ? 'es' : ''} ${naming.join(', ')}: point ${naming.length > 1 ? 'them' : 'it'} elsewhere first`,
    );
}

// --- Qualifiers ---

export type Qualifier = { kind: 'latest' } | { kind: 'version'; version: number } | { kind: 'alias'; alias: string };

/** `$LATEST`, a version number, or an alias name (absent: $LATEST). */
export function parseQualifier(q: string | undefined): Qualifier {
  if (q === undefined || q === LATEST) return { kind: 'latest' };
  if (VERSION_NUMBER.test(q)) return { kind: 'version', version: Number(q) };
  if (ALIAS_NAME.test(q)) return { kind: 'alias', alias: q };
  throw invalid(`qualifier '${q}' is not $LATEST, a version number or an alias name`);
}

/** The version an alias may point at: $LATEST or a published number. */
export function parseVersionRef(v: string): VersionRef {
  if (v === LATEST) return LATEST;
  if (VERSION_NUMBER.test(v)) return Number(v);
  throw invalid(`version '${v}' is not $LATEST or a version number`);
}

/** Lambda's ways of naming a function: a name, a partial ARN (account:function:name), or an ARN. */
const FUNCTION_REF =
  /^(?:arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z]{2}(?:-[a-z]+)+-\d):(?<arnAccount>\d{12}):function:|(?<account>\d{12}):function:)?(?<name>[A-Za-z0-9_-]{1,64})(?::(?<qualifier>\$LATEST|[A-Za-z0-9_-]+))?$/;

export interface FunctionRef {
  name: string;
  qualifier: Qualifier;
  /** The account an ARN names (the caller checks it is the user's); null for a plain name. */
  accountId: string | null;
}

/**
 * A FunctionName as Lambda takes it (`my-fn`, `my-fn:prod`, `123456789012:function:my-fn`,
 * `arn:aws:lambda:eu-west-1:123456789012:function:my-fn:3`) with an optional separate
 * Qualifier: both may name a qualifier only if they agree, as in Lambda.
 */
export function parseFunctionRef(functionName: string, qualifier?: string): FunctionRef {
  const m = FUNCTION_REF.exec(functionName);
  if (!m?.groups) throw invalid(`'${functionName}' is not a function name or ARN`);
  const { name, qualifier: inName, account, arnAccount } = m.groups;
  if (inName !== undefined && qualifier !== undefined && inName !== qualifier) {
    throw invalid(`the qualifier in the function name (${inName}) differs from the qualifier given (${qualifier})`);
  }
  return { name, qualifier: parseQualifier(inName ?? qualifier), accountId: arnAccount ?? account ?? null };
}

/** The version a qualifier means, given the alias it names (looked up by the caller, null if
 *  there is none). */
export function resolveQualifier(functionName: string, q: Qualifier, alias: FunctionAlias | null): VersionRef {
  switch (q.kind) {
    case 'latest':
      return LATEST;
    case 'version':
      return q.version;
    case 'alias':
      if (!alias || alias.name !== q.alias)
        throw new NotFound(ErrorCode.FunctionAliasNotFound, `function ${functionName} has no alias ${q.alias}`);
      return alias.version;
    default: {
      const never: never = q;
      throw new Error(`unknown qualifier ${JSON.stringify(never)}`);
    }
  }
}

/** A new alias, checked. */
export function newAlias(input: AliasInput): { name: string; version: VersionRef; description: string } {
  return {
    name: checkAliasName(input.name),
    version: checkVersionRef(input.version),
    description: checkDescription('alias description', input.description ?? ''),
  };
}

function checkVersionRef(v: VersionRef): VersionRef {
  if (v === LATEST) return v;
  return checkInteger('version', v, 1, 9_999_999_999);
}

/** An alias after an update: the given fields over the current ones, if it is still at
 *  `expectRevisionId` (when given). */
export function applyAliasPatch(
  current: FunctionAlias,
  patch: { version?: VersionRef; description?: string },
  expectRevisionId?: string,
): { version: VersionRef; description: string } {
  checkRevision(`alias ${current.name}`, current.revisionId, expectRevisionId);
  return {
    version: checkVersionRef(patch.version ?? current.version),
    description: checkDescription('alias description', patch.description ?? current.description),
  };
}
