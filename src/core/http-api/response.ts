/**
 * What an HTTP API answers for a function's result under payload format 2.0 (1.0's: mapResponseV1
 * below). A JSON object with
 * a `statusCode` is a structured answer: statusCode, headers, cookies (each one Set-Cookie
 * header), body, isBase64Encoded. Any other JSON — a string, a number, an array, an object
 * without statusCode — is inferred as AWS documents: 200, content-type application/json, and
 * the result as the body exactly as the function returned it (a returned string keeps its JSON
 * quotes, as AWS's answer does). Format 2.0 has no multiValueHeaders: AWS ignores the field, so
 * Hangar does too. A result that is not JSON, or a structured answer that breaks its own rules,
 * is the gateway's 500 `{"message":"Internal Server Error"}`, never a guess.
 */

import { PayloadFormat } from './types.ts';

export interface GatewayResponse {
  statusCode: number;
  /** In order; a name may repeat (set-cookie). Names lower-case. */
  headers: Array<[string, string]>;
  body: Uint8Array;
}

const JSON_TYPE = 'application/json';
/** One for every answer: an encoder holds no state between calls. */
const encoder = new TextEncoder();

export function internalServerError(): GatewayResponse {
  return jsonAnswer(500, { message: 'Internal Server Error' });
}

export function jsonAnswer(statusCode: number, value: unknown): GatewayResponse {
  return { statusCode, headers: [['content-type', JSON_TYPE]], body: encoder.encode(JSON.stringify(value)) };
}

/** `payload`: the function's result as the invocation returned it (JSON text); `bytes`, when the
 *  caller has them, its UTF-8 encoding: an inferred answer's body as is, not encoded again. */
export function mapResponseV2(payload: string, bytes?: Uint8Array): GatewayResponse {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return internalServerError();
  }
  if (!isRecord(result) || !Object.hasOwn(result, 'statusCode')) {
    return { statusCode: 200, headers: [['content-type', JSON_TYPE]], body: bytes ?? encoder.encode(payload) };
  }
  return structured(result) ?? internalServerError();
}

/** The type of a streamed response that starts with a prelude (HttpResponseStream.from): its
 *  JSON {statusCode, headers, cookies}, then PRELUDE_DELIMITER, then the body. */
export const HTTP_INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';
/** Eight zero bytes end the prelude (no JSON text holds one). */
export const PRELUDE_DELIMITER = new Uint8Array(8);

/** A streamed response's prelude as the status and headers a function URL answers with (no
 *  statusCode: 200); null when it is not such a JSON object. */
export function mapStreamPrelude(json: string): Pick<GatewayResponse, 'statusCode' | 'headers'> | null {
  let prelude: unknown;
  try {
    prelude = JSON.parse(json);
  } catch {
    return null;
  }
  if (!isRecord(prelude)) return null;
  const r = structured({ statusCode: 200, ...prelude, body: undefined, isBase64Encoded: undefined });
  return r && { statusCode: r.statusCode, headers: r.headers };
}

/** A streamed response answered whole (a BUFFERED URL's, or one streamed from another host):
 *  its prelude's status and headers when it has one, else 200 with the stream's type; a prelude
 *  that is not one is the gateway's 502. */
export function mapStreamedWhole(contentType: string, bytes: Uint8Array): GatewayResponse {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (contentType !== HTTP_INTEGRATION_TYPE) return { statusCode: 200, headers: [['content-type', contentType]], body: bytes };
  const end = all.indexOf(PRELUDE_DELIMITER);
  const head = end < 0 ? null : mapStreamPrelude(all.subarray(0, end).toString('utf8'));
  if (!head) return jsonAnswer(502, { message: 'Internal Server Error' });
  return { ...head, body: all.subarray(end + PRELUDE_DELIMITER.length) };
}

/**
 * What an HTTP API answers for a function's result under payload format 1.0: no inference, as
 * AWS documents — the result must be a JSON object with an integer `statusCode`, and may have
 * `headers` (a value each), `multiValueHeaders` (a list each), `body` (a string) and
 * `isBase64Encoded`. A header in both maps is sent with the values of `multiValueHeaders`, as
 * API Gateway merges them. Anything else (not JSON, not an object, no statusCode, a field of the
 * wrong type) is the gateway's 500 `{"message":"Internal Server Error"}`, as an HTTP API answers
 * a malformed integration response (a REST API's 502 is not an HTTP API's).
 */
export function mapResponseV1(payload: string): GatewayResponse {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return internalServerError();
  }
  return (isRecord(result) && structured(result, PayloadFormat.V1)) || internalServerError();
}

/** `format`: which headers the answer has — 2.0's `headers` and `cookies`, 1.0's `headers` and
 *  `multiValueHeaders`. */
function structured(r: Record<string, unknown>, format: PayloadFormat = PayloadFormat.V2): GatewayResponse | null {
  const status = r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return null;
  const headers: Array<[string, string]> = [];
  let multi: Map<string, unknown[]> | undefined;
  if (format === PayloadFormat.V1 && r.multiValueHeaders !== undefined && r.multiValueHeaders !== null) {
    if (!isRecord(r.multiValueHeaders)) return null;
    multi = new Map();
    for (const [name, values] of Object.entries(r.multiValueHeaders)) {
      if (!Array.isArray(values) || !values.every(isScalar)) return null;
      multi.set(name.toLowerCase(), values);
    }
  }
  if (r.headers !== undefined && r.headers !== null) {
    if (!isRecord(r.headers)) return null;
    for (const [name, value] of Object.entries(r.headers)) {
      if (!isScalar(value)) return null;
      if (!multi?.has(name.toLowerCase())) headers.push([name.toLowerCase(), String(value)]);
    }
  }
  if (multi) for (const [name, values] of multi) for (const v of values) headers.push([name, String(v)]);
  if (format === PayloadFormat.V2 && r.cookies !== undefined && r.cookies !== null) {
    if (!Array.isArray(r.cookies) || !r.cookies.every((c) => typeof c === 'string')) return null;
    for (const c of r.cookies) headers.push(['set-cookie', c]);
  }
  if (r.isBase64Encoded !== undefined && typeof r.isBase64Encoded !== 'boolean') return null;
  let body: Uint8Array = new Uint8Array();
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') return null;
    body = r.isBase64Encoded === true ? new Uint8Array(Buffer.from(r.body, 'base64')) : encoder.encode(r.body);
  }
  return { statusCode: status, headers, body };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
