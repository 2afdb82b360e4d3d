/** Lambda layers and their versions' policies: /layers (src/api/routes/layers.ts). */
import { enc, Resource } from './core.ts';

/** A layer version as /layers shows it. */
export interface LayerVersionInfo {
  name: string;
  userId: string;
  version: number;
  description: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo: string | null;
  createdAt: string;
  code: { sha256: string; size: number; url: string };
}

/** What a publish sends besides the zip. */
export interface LayerPublish {
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
}

const versionPath = (name: string, version: number) => `/layers/${enc(name)}/versions/${version}`;

export class Layers extends Resource {
  publish(name: string, zip: Buffer, settings: LayerPublish, userId?: string): Promise<LayerVersionInfo> {
    return this.transport.json('POST', `/layers/${enc(name)}/versions`, {
      query: { userId },
      body: { ...settings, zip: zip.toString('base64') },
    });
  }

  /** Each layer at its latest version. */
  async list(userId?: string): Promise<LayerVersionInfo[]> {
    return (await this.transport.json<{ layers: LayerVersionInfo[] }>('GET', '/layers', { query: { userId } })).layers;
  }

  /** A layer's versions, newest first. */
  async versions(name: string, userId?: string): Promise<LayerVersionInfo[]> {
    return (await this.transport.json<{ versions: LayerVersionInfo[] }>('GET', `/layers/${enc(name)}/versions`, { query: { userId } }))
      .versions;
  }

  /** `userId`: the owner's, for an admin's key or a version shared with this key's account. */
  get(name: string, version: number, userId?: string): Promise<LayerVersionInfo> {
    return this.transport.json('GET', versionPath(name, version), { query: { userId } });
  }

  delete(name: string, version: number, userId?: string): Promise<{ name: string; version: number; deleted: true }> {
    return this.transport.json('DELETE', versionPath(name, version), { query: { userId } });
  }

  /** Shares the version with an account (a 12-digit id) or everyone (`*`). */
  grant(
    name: string,
    version: number,
    sid: string,
    principal: string,
    userId?: string,
  ): Promise<{ statement: Record<string, unknown>; revisionId: string }> {
    return this.transport.json('PUT', `${versionPath(name, version)}/policy/${enc(sid)}`, { query: { userId }, body: { principal } });
  }

  revoke(name: string, version: number, sid: string, userId?: string): Promise<{ sid: string; deleted: true }> {
    return this.transport.json('DELETE', `${versionPath(name, version)}/policy/${enc(sid)}`, { query: { userId } });
  }

  policy(
    name: string,
    version: number,
    userId?: string,
  ): Promise<{ policy: { Statement: Record<string, unknown>[] }; revisionId: string }> {
    return this.transport.json('GET', `${versionPath(name, version)}/policy`, { query: { userId } });
  }
}
