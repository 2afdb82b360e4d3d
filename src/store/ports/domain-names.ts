/**
 * The custom domain names port: users' domain names (API Gateway's DomainName) and their API
 * mappings (core/http-api/domain.ts decides what is valid; a backend checks with it, then
 * persists). A name is one user's across all users: another user's is not found by the reads
 * and changes here, and taken for createDomainName. A domain's mappings go with it (the
 * database does that); an API a mapping names is not deleted (HttpApis.deleteApi refuses).
 * Reads answer null (or an empty list) for what is not there; changes to what is not there
 * throw NotFound.
 */
import type { ApiMapping, ApiMappingInput, DomainName, DomainNameConfig, ServedDomain, TagMap } from '../../core/index.ts';

export interface DomainNames {
  /** Conflict (HTTP_DOMAIN_NAME_EXISTS) if the name is anyone's; of two concurrent creates
   *  exactly one wins. InvalidInput past DOMAIN_NAMES_MAX of the user's. */
  createDomainName(userId: string, domainName: string, config: DomainNameConfig, tags: TagMap): Promise<DomainName>;
  getDomainName(userId: string, domainName: string): Promise<DomainName | null>;
  /** The user's, by name. */
  listDomainNames(userId: string): Promise<DomainName[]>;
  /** Its configuration replaced. NotFound (HTTP_DOMAIN_NAME_NOT_FOUND). */
  updateDomainName(userId: string, domainName: string, config: DomainNameConfig): Promise<DomainName>;
  /** The name with its mappings; false if the user had none of the name. */
  deleteDomainName(userId: string, domainName: string): Promise<boolean>;

  /** NotFound (HTTP_DOMAIN_NAME_NOT_FOUND; HTTP_API_NOT_FOUND without the user's API); Conflict
   *  (HTTP_API_MAPPING_EXISTS) if the key is taken on the domain; InvalidInput past
   *  API_MAPPINGS_MAX. The caller has checked the input and the stage. */
  createApiMapping(userId: string, domainName: string, input: ApiMappingInput): Promise<ApiMapping>;
  getApiMapping(userId: string, domainName: string, apiMappingId: string): Promise<ApiMapping | null>;
  /** The domain's, by key; empty when the user has no such domain. */
  listApiMappings(userId: string, domainName: string): Promise<ApiMapping[]>;
  /** The mappings of the user's domains that point at the API, by domain name then key; empty
   *  when the user has no such API. */
  listApiMappingsOfApi(userId: string, apiId: string): Promise<ApiMapping[]>;
  /** Replaced by `input`. NotFound (HTTP_API_MAPPING_NOT_FOUND, HTTP_API_NOT_FOUND); Conflict as above. */
  updateApiMapping(userId: string, domainName: string, apiMappingId: string, input: ApiMappingInput): Promise<ApiMapping>;
  deleteApiMapping(userId: string, domainName: string, apiMappingId: string): Promise<boolean>;

  // Serving
  /** Every domain name, whoever's, with its mappings (maybe none): what the gateway's index holds. */
  servedDomains(): Promise<ServedDomain[]>;
}
