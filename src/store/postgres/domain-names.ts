/**
 * The custom domain names port on PostgreSQL (ports/domain-names.ts). A mapping's change locks
 * its domain's row first, so the domain's mappings change one at a time (the key and count
 * checks hold), and the API's row FOR KEY SHARE, so it cannot be deleted under the change. A
 * name's create is one INSERT the primary key lets only one of two concurrent creates make; a
 * user's creates take turns (LOCK_USER_DOMAINS), so two cannot both count one name left.
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
import type { Db, Tx } from './db.ts';

/** domain_name, user_id, config, tags, now. Nothing if the name is anyone's. */
const INSERT_DOMAIN = `INSERT INTO http_domain_names (domain_name, user_id, config, tags, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (domain_name) DO NOTHING RETURNING *`;
/** First key of the per-user domain names lock ('hgr' 4); the second hashes the schema and user. */
const DOMAIN_NAMES_LOCK = 0x68677204;
/** DOMAIN_NAMES_LOCK, schema, user_id: held until commit, so a user's count and insert are one
 *  (READ COMMITTED lets two transactions count the same rows and both insert). A hash shared by
 *  two users only makes their creates take turns. */
const LOCK_USER_DOMAINS = `SELECT pg_advisory_xact_lock($1, hashtext($2 || '/' || $3))`;
/** user_id. */
const COUNT_DOMAINS = `SELECT count(*) AS n FROM http_domain_names WHERE user_id = $1`;
/** user_id, domain_name. */
const SELECT_DOMAIN = `SELECT * FROM http_domain_names WHERE user_id = $1 AND domain_name = $2`;
/** user_id, domain_name: the row, locked until the transaction ends. */
const LOCK_DOMAIN = `SELECT domain_name FROM http_domain_names WHERE user_id = $1 AND domain_name = $2 FOR UPDATE`;
/** user_id. */
const LIST_DOMAINS = `SELECT * FROM http_domain_names WHERE user_id = $1 ORDER BY domain_name`;
/** config, updated_at, user_id, domain_name. */
const UPDATE_DOMAIN = `UPDATE http_domain_names SET config = $1, updated_at = $2 WHERE user_id = $3 AND domain_name = $4 RETURNING *`;
/** user_id, domain_name. Its mappings go with it (ON DELETE CASCADE). */
const DELETE_DOMAIN = `DELETE FROM http_domain_names WHERE user_id = $1 AND domain_name = $2`;
/** user_id, api_id: the API, kept from being deleted until the transaction ends. */
const KEEP_API = `SELECT 1 FROM http_apis WHERE user_id = $1 AND api_id = $2 FOR KEY SHARE`;
/** domain_name. */
const COUNT_MAPPINGS = `SELECT count(*) AS n FROM http_api_mappings WHERE domain_name = $1`;
/** domain_name, mapping_key. */
const MAPPING_OF_KEY = `SELECT mapping_id FROM http_api_mappings WHERE domain_name = $1 AND mapping_key = $2`;
/** domain_name, mapping_id, user_id, api_id, stage, mapping_key, created_at. */
const INSERT_MAPPING = `INSERT INTO http_api_mappings (domain_name, mapping_id, user_id, api_id, stage, mapping_key, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`;
/** user_id, domain_name, mapping_id. */
const SELECT_MAPPING = `SELECT * FROM http_api_mappings WHERE user_id = $1 AND domain_name = $2 AND mapping_id = $3`;
/** user_id, domain_name. */
const LIST_MAPPINGS = `SELECT * FROM http_api_mappings WHERE user_id = $1 AND domain_name = $2 ORDER BY mapping_key, mapping_id`;
/** user_id, api_id: over the index http_api_mappings_api. */
const LIST_API_MAPPINGS = `SELECT * FROM http_api_mappings WHERE user_id = $1 AND api_id = $2 ORDER BY domain_name, mapping_key`;
/** api_id, stage, mapping_key, user_id, domain_name, mapping_id. */
const UPDATE_MAPPING = `UPDATE http_api_mappings SET api_id = $1, stage = $2, mapping_key = $3
  WHERE user_id = $4 AND domain_name = $5 AND mapping_id = $6 RETURNING *`;
/** user_id, domain_name, mapping_id. */
const DELETE_MAPPING = `DELETE FROM http_api_mappings WHERE user_id = $1 AND domain_name = $2 AND mapping_id = $3`;
/** Every domain name, with its mappings (none: one row of NULLs). */
const SERVED = `SELECT d.domain_name, m.mapping_id, m.api_id, m.stage, m.mapping_key, m.created_at
  FROM http_domain_names d LEFT JOIN http_api_mappings m ON m.domain_name = d.domain_name
  ORDER BY d.domain_name, m.mapping_key`;

export class PgDomainNames implements DomainNames {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  createDomainName(userId: string, domainName: string, config: DomainNameConfig, tags: TagMap): Promise<DomainName> {
    const now = this.db.now();
    return this.db.tx(async (tx) => {
      await tx.query(LOCK_USER_DOMAINS, [DOMAIN_NAMES_LOCK, this.db.schema, userId]);
      const [count] = await tx.query(COUNT_DOMAINS, [userId]);
      if (Number(count?.n) >= DOMAIN_NAMES_MAX) throw domainErrors.tooMany('domain names per user', DOMAIN_NAMES_MAX);
      const [row] = await tx.query(INSERT_DOMAIN, [domainName, userId, JSON.stringify(config), JSON.stringify(tags), now]);
      if (!row) throw domainErrors.exists(domainName);
      return domainNameFromRow(row);
    });
  }

  async getDomainName(userId: string, domainName: string): Promise<DomainName | null> {
    const [row] = await this.db.rows(SELECT_DOMAIN, [userId, domainName]);
    return row ? domainNameFromRow(row) : null;
  }

  async listDomainNames(userId: string): Promise<DomainName[]> {
    return (await this.db.rows(LIST_DOMAINS, [userId])).map(domainNameFromRow);
  }

  async updateDomainName(userId: string, domainName: string, config: DomainNameConfig): Promise<DomainName> {
    const [row] = await this.db.rows(UPDATE_DOMAIN, [JSON.stringify(config), this.db.now(), userId, domainName]);
    if (!row) throw domainErrors.notFound(domainName);
    return domainNameFromRow(row);
  }

  async deleteDomainName(userId: string, domainName: string): Promise<boolean> {
    return ((await this.db.query(DELETE_DOMAIN, [userId, domainName])).rowCount ?? 0) > 0;
  }

  createApiMapping(userId: string, domainName: string, input: ApiMappingInput): Promise<ApiMapping> {
    const id = apiIdFrom(randomBytes(10));
    return this.db.tx(async (tx) => {
      await check(tx, userId, domainName, input, null);
      const [count] = await tx.query(COUNT_MAPPINGS, [domainName]);
      if (Number(count?.n) >= API_MAPPINGS_MAX) throw domainErrors.tooMany('API mappings per domain name', API_MAPPINGS_MAX);
      const [row] = await tx.query(INSERT_MAPPING, [domainName, id, userId, input.apiId, input.stage, input.apiMappingKey, this.db.now()]);
      return mappingFromRow(row!);
    });
  }

  async getApiMapping(userId: string, domainName: string, apiMappingId: string): Promise<ApiMapping | null> {
    const [row] = await this.db.rows(SELECT_MAPPING, [userId, domainName, apiMappingId]);
    return row ? mappingFromRow(row) : null;
  }

  async listApiMappings(userId: string, domainName: string): Promise<ApiMapping[]> {
    return (await this.db.rows(LIST_MAPPINGS, [userId, domainName])).map(mappingFromRow);
  }

  async listApiMappingsOfApi(userId: string, apiId: string): Promise<ApiMapping[]> {
    return (await this.db.rows(LIST_API_MAPPINGS, [userId, apiId])).map(mappingFromRow);
  }

  updateApiMapping(userId: string, domainName: string, apiMappingId: string, input: ApiMappingInput): Promise<ApiMapping> {
    return this.db.tx(async (tx) => {
      await check(tx, userId, domainName, input, apiMappingId);
      const [row] = await tx.query(UPDATE_MAPPING, [input.apiId, input.stage, input.apiMappingKey, userId, domainName, apiMappingId]);
      if (!row) throw domainErrors.mappingNotFound(domainName, apiMappingId);
      return mappingFromRow(row);
    });
  }

  async deleteApiMapping(userId: string, domainName: string, apiMappingId: string): Promise<boolean> {
    return ((await this.db.query(DELETE_MAPPING, [userId, domainName, apiMappingId])).rowCount ?? 0) > 0;
  }

  async servedDomains(): Promise<ServedDomain[]> {
    return servedDomainsOf(await this.db.rows(SERVED));
  }
}

/** In a transaction: the user's domain (locked) and API (kept) are there, and the key is free but for `self`. */
async function check(tx: Tx, userId: string, domainName: string, input: ApiMappingInput, self: string | null): Promise<void> {
  if ((await tx.query(LOCK_DOMAIN, [userId, domainName])).length === 0) throw domainErrors.notFound(domainName);
  if ((await tx.query(KEEP_API, [userId, input.apiId])).length === 0) throw httpApiErrors.apiNotFound(input.apiId);
  const [holder] = await tx.query(MAPPING_OF_KEY, [domainName, input.apiMappingKey]);
  if (holder && holder.mapping_id !== self) throw domainErrors.mappingExists(domainName, input.apiMappingKey);
}
