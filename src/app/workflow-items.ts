/**
 * Where a Distributed Map's ItemReader reads (issue 24: "Distributed Map reading items from the
 * blob store"): a bucket is one of the execution owner's projects, named by its name (or id), and
 * a key is a file of its latest version — the files a user uploads (`hangar project push`) or a
 * task leaves behind, kept as archives in the blob store. What to read and how it becomes items
 * (one file, a listing, the files a manifest names) is the core's (readItemsFrom); this is the
 * `ObjectSource` it reads through, each project's archive unpacked once per read.
 */
import { createHash } from 'node:crypto';
import {
  type ItemReadRequest,
  itemReaderFailure,
  type Json,
  type ObjectSource,
  readItemsFrom,
  type StatesFailure,
} from '../core/asl/index.ts';
import { archiveFiles } from '../projects/index.ts';
import type { Project } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { versionArchive } from './projects.ts';

/** The owner's project a bucket names (by name, else by id); `failed` makes the S3-like NoSuchBucket failure. */
export async function bucketProject(
  app: Pick<AppContext, 'store'>,
  userId: string,
  bucket: string,
  failed: (cause: string) => StatesFailure,
): Promise<Project> {
  const projects = await app.store.listProjects({ userId });
  const project = projects.find((p) => p.name === bucket) ?? projects.find((p) => p.id === bucket);
  if (!project)
    throw failed(`The specified bucket does not exist: no project '${bucket}' (Service: S3, Status Code: 404, Error Code: NoSuchBucket)`);
  return project;
}

export async function readProjectItems(app: Pick<AppContext, 'store' | 'blobs'>, userId: string, r: ItemReadRequest): Promise<Json[]> {
  return readItemsFrom(projectObjects(app, userId), r);
}

interface ProjectFiles {
  files: { name: string; data: Buffer }[];
  lastModified: number;
}

/** The owner's projects as buckets: a key is a file of the project's latest version. */
function projectObjects(app: Pick<AppContext, 'store' | 'blobs'>, userId: string): ObjectSource {
  const opened = new Map<string, Promise<ProjectFiles>>();
  const open = (bucket: string) => {
    let files = opened.get(bucket);
    if (!files) {
      files = projectFiles(app, userId, bucket);
      opened.set(bucket, files);
    }
    return files;
  };
  return {
    async get(bucket, key) {
      const { files } = await open(bucket);
      const file = files.find((f) => f.name === key.replace(/^\/+/, ''));
      if (!file)
        throw itemReaderFailure(
          `The specified key does not exist: '${key}' in project '${bucket}' (Service: S3, Status Code: 404, Error Code: NoSuchKey)`,
        );
      return file.data;
    },
    async list(bucket, prefix) {
      const { files, lastModified } = await open(bucket);
      return files
        .filter((f) => f.name.startsWith(prefix))
        .map((f) => ({ key: f.name, size: f.data.length, lastModified, etag: createHash('md5').update(f.data).digest('hex') }));
    },
  };
}

async function projectFiles(app: Pick<AppContext, 'store' | 'blobs'>, userId: string, bucket: string): Promise<ProjectFiles> {
  const project = await bucketProject(app, userId, bucket, itemReaderFailure);
  if (project.latestVersion === 0) return { files: [], lastModified: project.createdAt };
  const [{ archive }, version] = await Promise.all([
    versionArchive(app, project, undefined),
    app.store.projectVersion(project.id, project.latestVersion),
  ]);
  return { files: await archiveFiles(archive), lastModified: version?.createdAt ?? project.createdAt };
}
