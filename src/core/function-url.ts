/**
 * Function URLs (Lambda's CreateFunctionUrlConfig): a function's own HTTP address, for the
 * function itself or one of its aliases, with an auth type, CORS and an invoke mode. What a
 * valid configuration is and what an update does are decided here; the url-id is made by the
 * caller from random bytes (urlIdFrom), as Lambda's 32 lower-case letters and digits.
 */
import { type CorsConfig, checkCorsConfig } from './http-api/cors.ts';
import { Conflict, ErrorCode, InvalidInput, NotFound } from './errors.ts';
import { checkAliasName, LATEST } from './function.ts';
import { FunctionUrlAuthType } from './function-policy.ts';

/** BUFFERED: the URL answers once the function has returned. RESPONSE_STREAM: it answers as a
 *  streaming function (awslambda.streamifyResponse) writes, chunked (app/function-url.ts). */
export const InvokeMode = { BUFFERED: 'BUFFERED', RESPONSE_STREAM: 'RESPONSE_STREAM' } as const;
export type InvokeMode = (typeof InvokeMode)[keyof typeof InvokeMode];

export interface FunctionUrlConfig {
  userId: string;
  functionName: string;
  /** '' for the function itself ($LATEST), else an alias name. */
  qualifier: string;
  urlId: string;
  authType: FunctionUrlAuthType;
  cors: CorsConfig | null;
  invokeMode: InvokeMode;
  createdAt: number;
  updatedAt: number;
}

export interface FunctionUrlInput {
  authType?: string | undefined;
  cors?: CorsConfig | null | undefined;
  invokeMode?: string | undefined;
}

export type NewFunctionUrl = Omit<FunctionUrlConfig, 'updatedAt'>;

/** Lambda's url-ids: 32 characters of a-z and 0-9. */
export const URL_ID = /^[a-z0-9]{32}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

export const functionUrlErrors = {
  notFound: (functionName: string, qualifier: string) =>
    new NotFound(
      ErrorCode.FunctionUrlNotFound,
      `The resource you requested does not exist: function ${functionName}${qualifier ? `:${qualifier}` : ''} has no function URL`,
    ),
  exists: (functionName: string, qualifier: string) =>
    new Conflict(
      ErrorCode.FunctionUrlExists,
      `Failed to create function url config for ${functionName}${qualifier ? `:${qualifier}` : ''}: FunctionUrlConfig exists for this Lambda function`,
    ),
};

/** A url-id of 32 bytes of randomness (at least 32). */
export function urlIdFrom(random: Uint8Array): string {
  if (random.length < 32) throw new Error('urlIdFrom needs 32 random bytes');
  let id = '';
  // 256 = 7 × 36 + 4: the few values past 252 would favour the first letters; folding them in is
  // a bias of under 2 % on 4 of 36 characters, immaterial for an id with 165 bits.
  for (let i = 0; i < 32; i++) id += ALPHABET[(random[i] as number) % 36];
  return id;
}

/** The qualifier a function URL may have, as Lambda: none or $LATEST (the function itself, '')
 *  or an alias; a version number is refused. */
export function functionUrlQualifier(q: string | undefined | null): string {
  if (q === undefined || q === null || q === '' || q === LATEST) return '';
  if (/^\d+$/.test(q)) throw invalid(`a function URL is for the function or an alias, not a version (Qualifier '${q}')`);
  return checkAliasName(q);
}

function authTypeOf(v: string): FunctionUrlAuthType {
  if (v === FunctionUrlAuthType.NONE || v === FunctionUrlAuthType.AWS_IAM) return v;
  throw invalid(`AuthType must be NONE or AWS_IAM, not '${v.slice(0, 40)}'`);
}

function invokeModeOf(v: string): InvokeMode {
  if (v === InvokeMode.BUFFERED || v === InvokeMode.RESPONSE_STREAM) return v;
  throw invalid(`InvokeMode must be BUFFERED or RESPONSE_STREAM, not '${v.slice(0, 40)}'`);
}

/** A new configuration: AuthType is required; CORS checked; BUFFERED by default. */
export function newFunctionUrl(
  base: { userId: string; functionName: string; qualifier: string; urlId: string; now: number },
  input: FunctionUrlInput,
): NewFunctionUrl {
  if (input.authType === undefined) throw invalid('AuthType is required: NONE or AWS_IAM');
  return {
    userId: base.userId,
    functionName: base.functionName,
    qualifier: base.qualifier,
    urlId: base.urlId,
    authType: authTypeOf(input.authType),
    cors: corsOf(input.cors),
    invokeMode: invokeModeOf(input.invokeMode ?? InvokeMode.BUFFERED),
    createdAt: base.now,
  };
}

/** A URL's CORS: one that allows nothing (no origin, method, header, max age or credentials)
 *  adds no header, so it is none — and read back as none. Terraform's aws_lambda_function_url
 *  removes its cors block by sending Cors {AllowCredentials: false}, and reads the URL after:
 *  an empty Cors in the answer would be a cors block its configuration has not. */
function corsOf(c: CorsConfig | null | undefined): CorsConfig | null {
  if (!c) return null;
  const none =
    c.allowOrigins.length + c.allowMethods.length + c.allowHeaders.length + c.exposeHeaders.length === 0 &&
    c.maxAgeS === undefined &&
    !c.allowCredentials;
  return none ? null : checkCorsConfig(c);
}

/** UpdateFunctionUrlConfig: what is given replaces what was (Cors as a whole; null removes it). */
export function applyFunctionUrlPatch(current: FunctionUrlConfig, patch: FunctionUrlInput, now: number): FunctionUrlConfig {
  return {
    ...current,
    ...(patch.authType !== undefined ? { authType: authTypeOf(patch.authType) } : {}),
    ...(patch.cors !== undefined ? { cors: corsOf(patch.cors) } : {}),
    ...(patch.invokeMode !== undefined ? { invokeMode: invokeModeOf(patch.invokeMode) } : {}),
    updatedAt: now,
  };
}
