/** Custom domain names of HTTP APIs and their API mappings: /domain-names (src/api/routes/domain-names.ts). */
import { enc, Resource } from './core.ts';

export interface DomainNameInfo {
  domainName: string;
  userId: string;
  certificateArn: string | null;
  certificateName: string | null;
  endpointType: string;
  securityPolicy: string;
  tags: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface ApiMappingInfo {
  domainName: string;
  apiMappingId: string;
  apiId: string;
  stage: string;
  apiMappingKey: string;
  createdAt: string;
}

export class DomainNames extends Resource {
  create(body: { domainName: string; certificateArn?: string }, userId?: string): Promise<DomainNameInfo> {
    return this.transport.json('POST', '/domain-names', { query: { userId }, body });
  }

  list(userId?: string): Promise<{ domainNames: DomainNameInfo[] }> {
    return this.transport.json('GET', '/domain-names', { query: { userId } });
  }

  get(name: string, userId?: string): Promise<DomainNameInfo> {
    return this.transport.json('GET', `/domain-names/${enc(name)}`, { query: { userId } });
  }

  delete(name: string, userId?: string): Promise<{ domainName: string; deleted: true }> {
    return this.transport.json('DELETE', `/domain-names/${enc(name)}`, { query: { userId } });
  }

  map(name: string, body: { apiId: string; stage?: string; apiMappingKey?: string }, userId?: string): Promise<ApiMappingInfo> {
    return this.transport.json('POST', `/domain-names/${enc(name)}/mappings`, { query: { userId }, body });
  }

  mappings(name: string, userId?: string): Promise<{ mappings: ApiMappingInfo[] }> {
    return this.transport.json('GET', `/domain-names/${enc(name)}/mappings`, { query: { userId } });
  }

  unmap(name: string, apiMappingId: string, userId?: string): Promise<{ apiMappingId: string; deleted: true }> {
    return this.transport.json('DELETE', `/domain-names/${enc(name)}/mappings/${enc(apiMappingId)}`, { query: { userId } });
  }
}
