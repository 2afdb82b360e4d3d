/**
 * The custom domain names port on SQLite (ports/domain-names.ts). Every change is one write of
 * the batch, which reads, decides and writes in one transaction; ids and times are made before
 * it, as a write may run twice when its batch is retried.
 */
import { randomBytes } from 'node:crypto';
import {
  API_MAPPINGS_MAX,
  type ApiMapping,
  type ApiMappingInput,
  apiIdFrom,
  DOMAIN_NAMES_MAX,
  type DomainName,
  type DomainNameConfig,
  domainErrors,
  httpApiErrors,
  type ServedDomain,
  type TagMap,
} from '../../core/index.ts';
import { domainNameFromRow, mappingFromRow, servedDomainsOf } from '../domain-name-row.ts';
import type { DomainNames } from '../ports/domain-names.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** domain_name, user_id, config, tags, now. Nothing if the name is anyone's. */
const INSERT_DOMAIN = `INSERT INTO http_domain_names (domain_name, user_id, config, tags, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (domain_name) DO NOTHING RETURNING *`;
/** user_id. */
const COUNT_DOMAINS = `SELECT count(*) AS n FROM http_domain_names WHERE user_id = ?`;
/** user_id, domain_name. */
const SELECT_DOMAIN = `SELECT * FROM http_domain_names WHERE user_id = ? AND domain_name = ?`;
/** user_id. */
const LIST_DOMAINS = `SELECT * FROM http_domain_names WHERE user_id = ? ORDER BY domain_name`;
/** config, updated_at, then user_id, domain_name. */
const UPDATE_DOMAIN = `UPDATE http_domain_names SET config = ?, updated_at = ? WHERE user_id = ? AND domain_name = ? RETURNING *`;
/** user_id, domain_name. Its mappings go with it (ON DELETE CASCADE). */
const DELETE_DOMAIN = `DELETE FROM http_domain_names WHERE user_id = ? AND domain_name = ?`;
/** user_id, api_id. */
const API_THERE = `SELECT 1 FROM http_apis WHERE user_id = ? AND api_id = ?`;
/** domain_name. */
const COUNT_MAPPINGS = `SELECT count(*) AS n FROM http_api_mappings WHERE domain_name = ?`;
/** domain_name, mapping_key. */
const MAPPING_OF_KEY = `SELECT mapping_id FROM http_api_mappings WHERE domain_name = ? AND mapping_key = ?`;
/** domain_name, mapping_id, user_id, api_id, stage, mapping_key, created_at. */
const INSERT_MAPPING = `INSERT INTO http_api_mappings (domain_name, mapping_id, user_id, api_id, stage, mapping_key, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`;
/** user_id, domain_name, mapping_id. */
const SELECT_MAPPING = `SELECT * FROM http_api_mappings WHERE user_id = ? AND domain_name = ? AND mapping_id = ?`;
/** user_id, domain_name. */
const LIST_MAPPINGS = `SELECT * FROM http_api_mappings WHERE user_id = ? AND domain_name = ? ORDER BY mapping_key, mapping_id`;
/** user_id, api_id: over the index http_api_mappings_api. */
const LIST_API_MAPPINGS = `SELECT * FROM http_api_mappings WHERE user_id = ? AND api_id = ? ORDER BY domain_name, mapping_key`;
/** api_id, stage, mapping_key, then user_id, domain_name, mapping_id. */
const UPDATE_MAPPING = `UPDATE http_api_mappings SET api_id = ?, stage = ?, mapping_key = ?
  WHERE user_id = ? AND domain_name = ? AND mapping_id = ? RETURNING *`;
/** user_id, domain_name, mapping_id. */
const DELETE_MAPPING = `DELETE FROM http_api_mappings WHERE user_id = ? AND domain_name = ? AND mapping_id = ?`;
/** Every domain name, with its mappings (none: one row of NULLs). */
const SERVED = `SELECT d.domain_name, m.mapping_id, m.api_id, m.stage, m.mapping_key, m.created_at
  FROM http_domain_names d LEFT JOIN http_api_mappings m ON m.domain_name = d.domain_name
  ORDER BY d.domain_name, m.mapping_key`;

export class SqliteDomainNames implements DomainNames {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async createDomainName(userId: string, domainName: string, config: DomainNameConfig, tags: TagMap): Promise<DomainName> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      if (Number((this.ctx.stmt(COUNT_DOMAINS).get(userId) as Row).n) >= DOMAIN_NAMES_MAX)
        throw domainErrors.tooMany('domain names per user', DOMAIN_NAMES_MAX);
      const inserted = this.ctx.stmt(INSERT_DOMAIN).get(domainName, userId, JSON.stringify(config), JSON.stringify(tags), now) as
        | Row
        | undefined;
      if (!inserted) throw domainErrors.exists(domainName);
      return inserted;
    });
    return domainNameFromRow(row);
  }

  async getDomainName(userId: string, domainName: string): Promise<DomainName | null> {
    const row = this.ctx.stmt(SELECT_DOMAIN).get(userId, domainName) as Row | undefined;
    return row ? domainNameFromRow(row) : null;
  }

  async listDomainNames(userId: string): Promise<DomainName[]> {
    return (this.ctx.stmt(LIST_DOMAINS).all(userId) as Row[]).map(domainNameFromRow);
  }

  async updateDomainName(userId: string, domainName: string, config: DomainNameConfig): Promise<DomainName> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(
      () => this.ctx.stmt(UPDATE_DOMAIN).get(JSON.stringify(config), now, userId, domainName) as Row | undefined,
    );
    if (!row) throw domainErrors.notFound(domainName);
    return domainNameFromRow(row);
  }

  async deleteDomainName(userId: string, domainName: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_DOMAIN).run(userId, domainName).changes) > 0);
  }

  async createApiMapping(userId: string, domainName: string, input: ApiMappingInput): Promise<ApiMapping> {
    const id = apiIdFrom(randomBytes(10));
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      this.check(userId, domainName, input, null);
      if (Number((this.ctx.stmt(COUNT_MAPPINGS).get(domainName) as Row).n) >= API_MAPPINGS_MAX)
        throw domainErrors.tooMany('API mappings per domain name', API_MAPPINGS_MAX);
      return this.ctx.stmt(INSERT_MAPPING).get(domainName, id, userId, input.apiId, input.stage, input.apiMappingKey, now) as Row;
    });
    return mappingFromRow(row);
  }

  async getApiMapping(userId: string, domainName: string, apiMappingId: string): Promise<ApiMapping | null> {
    const row = this.ctx.stmt(SELECT_MAPPING).get(userId, domainName, apiMappingId) as Row | undefined;
    return row ? mappingFromRow(row) : null;
  }

  async listApiMappings(userId: string, domainName: string): Promise<ApiMapping[]> {
    return (this.ctx.stmt(LIST_MAPPINGS).all(userId, domainName) as Row[]).map(mappingFromRow);
  }

  async listApiMappingsOfApi(userId: string, apiId: string): Promise<ApiMapping[]> {
    return (this.ctx.stmt(LIST_API_MAPPINGS).all(userId, apiId) as Row[]).map(mappingFromRow);
  }

  async updateApiMapping(userId: string, domainName: string, apiMappingId: string, input: ApiMappingInput): Promise<ApiMapping> {
    const row = await this.ctx.writes.run(() => {
      this.check(userId, domainName, input, apiMappingId);
      const updated = this.ctx.stmt(UPDATE_MAPPING).get(input.apiId, input.stage, input.apiMappingKey, userId, domainName, apiMappingId) as
        | Row
        | undefined;
      if (!updated) throw domainErrors.mappingNotFound(domainName, apiMappingId);
      return updated;
    });
    return mappingFromRow(row);
  }

  async deleteApiMapping(userId: string, domainName: string, apiMappingId: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_MAPPING).run(userId, domainName, apiMappingId).changes) > 0);
  }

  async servedDomains(): Promise<ServedDomain[]> {
    return servedDomainsOf(this.ctx.stmt(SERVED).all() as Row[]);
  }

  /** Inside a write: the user's domain and API are there, and the key is free but for `self`. */
  private check(userId: string, domainName: string, input: ApiMappingInput, self: string | null): void {
    if (!this.ctx.stmt(SELECT_DOMAIN).get(userId, domainName)) throw domainErrors.notFound(domainName);
    if (!this.ctx.stmt(API_THERE).get(userId, input.apiId)) throw httpApiErrors.apiNotFound(input.apiId);
    const holder = this.ctx.stmt(MAPPING_OF_KEY).get(domainName, input.apiMappingKey) as Row | undefined;
    if (holder && holder.mapping_id !== self) throw domainErrors.mappingExists(domainName, input.apiMappingKey);
  }
}
