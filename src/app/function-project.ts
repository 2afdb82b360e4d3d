/**
 * A function's code from a Hangar project version (issue 23: "a zip as Lambda takes it, or a
 * Hangar project version"). The version's tar.gz becomes a zip here, and that zip is deployed
 * exactly as an uploaded one (deployFunction: same limits, same CodeSha256). The zip writer makes
 * the same bytes from the same files, so one project version deployed twice is the same code and
 * a later version with other files is new code.
 */
import { ErrorCode, NotFound } from '../core/index.ts';
import { zipEntries } from '../functions/index.ts';
import { archiveFiles } from '../projects/index.ts';
import type { AppContext } from './context.ts';
import { versionArchive } from './projects.ts';

export interface ProjectCodeRef {
  projectId: string;
  /** The project's latest version when absent. */
  version?: number;
}

/** The files of the user's project at a version, as a function's zip. Only the function owner's
 *  own project: another user's answers as a missing one (an admin deploying for a user names
 *  that user's project). */
export async function projectCodeZip(
  app: Pick<AppContext, 'store' | 'blobs'>,
  userId: string,
  ref: ProjectCodeRef,
): Promise<{ zip: Buffer; version: number }> {
  const p = await app.store.getProject(ref.projectId);
  if (!p || p.userId !== userId) throw new NotFound(ErrorCode.ProjectNotFound, `project ${ref.projectId} not found`);
  const { version, archive } = await versionArchive(app, p, ref.version);
  return { zip: zipEntries(await archiveFiles(archive)), version };
}
