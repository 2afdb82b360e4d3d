/**
 * The BlobStore boundary: results, full logs and (later) project files. The database keeps
 * only keys and summaries. Keys are `/`-separated relative paths such as `results/<id>/1.json`.
 * Implementations: local directory (embedded), S3-compatible (scale-out).
 */
export interface BlobStore {
  put(key: string, data: Buffer | string): Promise<void>;
  /** null when the key does not exist. */
  get(key: string): Promise<Buffer | null>;
  /** Remove every blob whose key starts with the prefix. */
  deletePrefix(prefix: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** A real write and read-back, for /health. */
  check(): Promise<boolean>;
  close(): Promise<void>;
}
