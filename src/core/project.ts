/** Projects: named file trees, kept as numbered versions (archives in the blob store). */

export interface NewProject {
  id: string;
  userId: string | null;
  name: string;
}

export interface Project extends NewProject {
  /** 0 until files are uploaded. */
  latestVersion: number;
  createdAt: number;
}

export interface ProjectVersion {
  projectId: string;
  version: number;
  createdAt: number;
  /** The version this one was made from (a task's changes, an upload's predecessor), or null. */
  baseVersion: number | null;
  /** The task whose changes made it; null for an upload. */
  taskId: string | null;
  /** Blob key of its archive (tar.gz). */
  blobKey: string;
  files: number;
  /** Bytes of its files. */
  bytes: number;
  /** Files the task changed that another version had changed since its base: the task's wins. */
  conflicts: string[];
}
