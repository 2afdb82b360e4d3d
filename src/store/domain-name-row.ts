/** Rows of http_domain_names and http_api_mappings to the model, shared by both backends (JSON as text on both). */
import type { ApiMapping, DomainName, DomainNameConfig, ServedDomain, TagMap } from '../core/index.ts';
import type { Row } from './row.ts';

export function domainNameFromRow(r: Row): DomainName {
  return {
    userId: String(r.user_id),
    domainName: String(r.domain_name),
    config: JSON.parse(String(r.config)) as DomainNameConfig,
    tags: JSON.parse(String(r.tags)) as TagMap,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function mappingFromRow(r: Row): ApiMapping {
  return {
    domainName: String(r.domain_name),
    apiMappingId: String(r.mapping_id),
    apiId: String(r.api_id),
    stage: String(r.stage),
    apiMappingKey: String(r.mapping_key),
    createdAt: Number(r.created_at),
  };
}

/** Domain names joined to their mappings (a name without any: one row, its mapping NULL),
 *  ordered by name, as the domains they serve. */
export function servedDomainsOf(rows: Row[]): ServedDomain[] {
  const out: ServedDomain[] = [];
  for (const r of rows) {
    const name = String(r.domain_name);
    let last = out[out.length - 1];
    if (!last || last.domainName !== name) out.push((last = { domainName: name, mappings: [] }));
    if (r.mapping_id !== null && r.mapping_id !== undefined) last.mappings.push(mappingFromRow(r));
  }
  return out;
}
