/**
 * Where a Distributed Map's ResultWriter writes: as its ItemReader reads (workflow-items.ts), a
 * bucket is one of the execution owner's projects (by name or id) and a key a file path in it.
 * The files of one write — SUCCEEDED_0.json, FAILED_0.json, …, manifest.json — become the
 * project's next version together: its latest files with them added. A write redone after a
 * takeover finds them there already and adds nothing.
 */
import { type ResultWriteRequest, resultWriterFailure } from '../core/asl/index.ts';
import { ArchiveError, DEFAULT_ARCHIVE_LIMITS } from '../projects/index.ts';
import type { AppContext } from './context.ts';
import { addProjectFiles } from './projects.ts';
import { bucketProject } from './workflow-items.ts';

export async function writeProjectResults(
  app: Pick<AppContext, 'store' | 'blobs' | 'clock'>,
  userId: string,
  request: ResultWriteRequest,
): Promise<void> {
  const project = await bucketProject(app, userId, request.bucket, resultWriterFailure);
  const files = request.files.map((f) => {
    const name = f.key.replace(/^\/+/, '');
    if (name === '' || name.split('/').some((part) => part === '..' || part === '.' || part === ''))
      throw resultWriterFailure(`The key '${f.key}' is not a file path a project can hold (Service: S3, Error Code: InvalidArgument)`);
    return { name, data: Buffer.from(f.body) };
  });
  try {
    await addProjectFiles(app, project, files, DEFAULT_ARCHIVE_LIMITS);
  } catch (e) {
    if (e instanceof ArchiveError) throw resultWriterFailure(`${e.message} (Service: S3, Error Code: EntityTooLarge)`);
    throw e;
  }
}
