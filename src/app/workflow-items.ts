/**
 * Where a Distributed Map's ItemReader reads (issue 24: "Distributed Map reading items from the
 * blob store"): a bucket is one of the execution owner's projects, named by its name (or id), and
 * a key is a file of its latest version — the files a user uploads (`hangar project push`) or a
 * task leaves behind, kept as archives in the blob store. `s3:getObject` reads one file as JSON,
 * JSON Lines or CSV; `s3:listObjectsV2` lists the files under a prefix.
 */
import { createHash } from 'node:crypto';
import { type Json, type ItemReadRequest, isListing, listingItems, parseItems, StatesFailure } from '../core/asl/index.ts';
import { archiveFiles } from '../projects/index.ts';
import type { Project } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { versionArchive } from './projects.ts';

const failed = (cause: string) => new StatesFailure('States.ItemReaderFailed', cause);

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
  const bucket = r.parameters.Bucket;
  if (typeof bucket !== 'string' || bucket === '') throw failed('The ItemReader needs a Bucket (a project of yours)');
  const project = await bucketProject(app, userId, bucket, failed);
  if (project.latestVersion === 0)
    return isListing(r) ? [] : Promise.reject(failed(`The specified key does not exist: project '${bucket}' has no files`));
  const [{ archive }, version] = await Promise.all([
    versionArchive(app, project, undefined),
    app.store.projectVersion(project.id, project.latestVersion),
  ]);
  const files = await archiveFiles(archive);
  if (isListing(r)) {
    const prefix = typeof r.parameters.Prefix === 'string' ? r.parameters.Prefix : '';
    return listingItems(
      files
        .filter((f) => f.name.startsWith(prefix))
        .map((f) => ({
          key: f.name,
          size: f.data.length,
          lastModified: version?.createdAt ?? project.createdAt,
          etag: createHash('md5').update(f.data).digest('hex'),
        })),
      r,
    );
  }
  const key = r.parameters.Key;
  if (typeof key !== 'string' || key === '') throw failed('The ItemReader needs a Key (a file of the project)');
  const file = files.find((f) => f.name === key.replace(/^\/+/, ''));
  if (!file)
    throw failed(
      `The specified key does not exist: '${key}' in project '${bucket}' (Service: S3, Status Code: 404, Error Code: NoSuchKey)`,
    );
  return parseItems(file.data.toString('utf8'), r);
}
