/**
 * Functions' rows, the same on every backend: functions ($LATEST) and function_versions share
 * their snapshot columns (config_columns below, in this order), and an alias's version is
 * NULL for $LATEST. JSON comes as text from both backends (postgres/db.ts parses none).
 */
import {
  type ApplicationLogLevel,
  ErrorCode,
  InvalidInput,
  LATEST,
  type FunctionAlias,
  type FunctionImageConfig,
  type FunctionImageRef,
  type FunctionLayer,
  type FunctionNetwork,
  type FunctionSnapshot,
  type FunctionState,
  type RuntimeFamily,
  type SystemLogLevel,
  type VersionRef,
} from '../core/index.ts';
import type { Row } from './row.ts';
import type { SealedEnvironment } from './sealed-environment.ts';

/** The snapshot's columns after (user_id, name): what snapshotValues gives, in this order. */
export const SNAPSHOT_COLUMNS =
  'runtime, runtime_family, handler, memory_mb, timeout_s, environment, secrets, network, description, code_sha256, code_size, code_key, revision_id, state, last_modified, layers, role, log_format, application_log_level, system_log_level, image, image_config';

/** How many values a snapshot has (SNAPSHOT_COLUMNS's count). */
export const SNAPSHOT_SIZE = SNAPSHOT_COLUMNS.split(',').length;

/** The environment sealed by `env` (sealed-environment.ts). */
export function snapshotValues(s: FunctionSnapshot, env: SealedEnvironment): (string | number | null)[] {
  return [
    s.runtime,
    s.runtimeFamily,
    s.handler,
    s.memoryMb,
    s.timeoutS,
    env.write(s.userId, s.name, s.environment),
    JSON.stringify(s.secrets),
    s.network,
    s.description,
    s.code.sha256,
    s.code.size,
    s.code.blobKey,
    s.revisionId,
    s.state,
    s.lastModified,
    JSON.stringify(s.layers),
    s.role ?? null,
    s.logging?.format ?? 'Text',
    s.logging?.applicationLogLevel ?? null,
    s.logging?.systemLogLevel ?? null,
    s.code.image ? JSON.stringify(s.code.image) : null,
    s.imageConfig ? JSON.stringify(s.imageConfig) : null,
  ];
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A functions row (version '$LATEST') or a function_versions row (its number), its
 *  environment opened by `env`. */
export function snapshotFromRow(r: Row, env: SealedEnvironment): FunctionSnapshot {
  const userId = String(r.user_id);
  const name = String(r.function_name ?? r.name);
  return {
    userId,
    name,
    version: r.version === undefined ? LATEST : Number(r.version),
    runtime: String(r.runtime),
    runtimeFamily: String(r.runtime_family) as RuntimeFamily,
    handler: text(r.handler),
    memoryMb: Number(r.memory_mb),
    timeoutS: Number(r.timeout_s),
    environment: env.read(userId, name, String(r.environment)),
    secrets: JSON.parse(String(r.secrets)) as string[],
    network: String(r.network) as FunctionNetwork,
    description: String(r.description),
    code: {
      sha256: String(r.code_sha256),
      size: Number(r.code_size),
      blobKey: String(r.code_key),
      ...(r.image === null || r.image === undefined ? {} : { image: JSON.parse(String(r.image)) as FunctionImageRef }),
    },
    revisionId: String(r.revision_id),
    lastModified: Number(r.last_modified),
    state: String(r.state) as FunctionState,
    layers: JSON.parse(String(r.layers)) as FunctionLayer[],
    ...(r.role === null || r.role === undefined ? {} : { role: String(r.role) }),
    ...(r.log_format === 'JSON'
      ? {
          logging: {
            format: 'JSON',
            applicationLogLevel: String(r.application_log_level) as ApplicationLogLevel,
            systemLogLevel: String(r.system_log_level) as SystemLogLevel,
          },
        }
      : {}),
    ...(r.image_config === null || r.image_config === undefined
      ? {}
      : { imageConfig: JSON.parse(String(r.image_config)) as FunctionImageConfig }),
  };
}

/** An alias's version as stored: NULL for $LATEST. */
export const aliasVersionValue = (v: VersionRef): number | null => (v === LATEST ? null : v);

export function aliasFromRow(r: Row): FunctionAlias {
  return {
    userId: String(r.user_id),
    functionName: String(r.function_name),
    name: String(r.name),
    version: r.version === null || r.version === undefined ? LATEST : Number(r.version),
    description: String(r.description),
    revisionId: String(r.revision_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Function listings page by name: the cursor is the last name of a page. */
export function encodeNameCursor(name: string): string {
  return Buffer.from(`n:${name}`).toString('base64url');
}

export function decodeNameCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString();
  if (!/^n:[A-Za-z0-9_-]{1,64}$/.test(raw)) throw new InvalidInput(ErrorCode.InvalidCursor, 'cursor is not one this API returned');
  return raw.slice(2);
}
