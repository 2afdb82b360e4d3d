/** Layer versions' rows, the same on every backend. JSON comes as text from both (postgres/db.ts
 *  parses none). */
import type { LayerVersion, LayerVersionPolicy, NewLayerVersion, PolicyStatement } from '../core/index.ts';
import { type Row, strOrNull } from './row.ts';

/** The columns after (user_id, layer_name, version): what layerVersionValues gives, in this order. */
export const LAYER_VERSION_COLUMNS =
  'description, compatible_runtimes, compatible_architectures, license_info, code_sha256, code_size, code_key, created_at';

export function layerVersionValues(v: NewLayerVersion, createdAt: number): (string | number | null)[] {
  return [
    v.description,
    JSON.stringify(v.compatibleRuntimes),
    JSON.stringify(v.compatibleArchitectures),
    v.licenseInfo,
    v.code.sha256,
    v.code.size,
    v.code.blobKey,
    createdAt,
  ];
}

export function layerVersionFromRow(r: Row): LayerVersion {
  return {
    userId: String(r.user_id),
    name: String(r.layer_name),
    version: Number(r.version),
    description: String(r.description),
    compatibleRuntimes: JSON.parse(String(r.compatible_runtimes)) as string[],
    compatibleArchitectures: JSON.parse(String(r.compatible_architectures)) as string[],
    licenseInfo: strOrNull(r.license_info),
    code: { sha256: String(r.code_sha256), size: Number(r.code_size), blobKey: String(r.code_key) },
    createdAt: Number(r.created_at),
  };
}

export function layerPolicyFromRow(r: Row): LayerVersionPolicy {
  return {
    userId: String(r.user_id),
    layerName: String(r.layer_name),
    version: Number(r.version),
    statements: JSON.parse(String(r.statements)) as PolicyStatement[],
    revisionId: String(r.revision_id),
  };
}
