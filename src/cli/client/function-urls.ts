/** A function's URL: /functions/{name}/url (src/api/routes/function-access.ts). */
import { enc, Resource } from './core.ts';

/** A function URL as GET /functions/{name}/url answers it. */
export interface FunctionUrlView {
  url: string;
  urlId: string;
  functionName: string;
  qualifier: string | null;
  userId: string;
  authType: 'NONE' | 'AWS_IAM';
  cors: {
    allowOrigins: string[];
    allowMethods: string[];
    allowHeaders: string[];
    exposeHeaders: string[];
    maxAgeS?: number;
    allowCredentials: boolean;
  } | null;
  invokeMode: string;
  createdAt: string;
  updatedAt: string;
}

type Target = { qualifier?: string; userId?: string };

export class FunctionUrls extends Resource {
  /** The function's URL (or an alias's, `qualifier`): its address and configuration. */
  get(name: string, opts: Target = {}): Promise<FunctionUrlView> {
    return this.transport.json('GET', `/functions/${enc(name)}/url`, { query: opts });
  }

  /** Gives the function (or an alias) a URL, or changes its auth type and CORS. */
  put(name: string, body: { authType: string; cors?: Record<string, unknown> | null }, opts: Target = {}): Promise<FunctionUrlView> {
    return this.transport.json('PUT', `/functions/${enc(name)}/url`, { query: opts, body });
  }

  delete(name: string, opts: Target = {}): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/functions/${enc(name)}/url`, { query: opts });
  }
}
