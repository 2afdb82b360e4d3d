/** The projects port: projects and their numbered versions. */
import type { NewProject, Project, ProjectVersion } from '../../core/project.ts';

export interface Projects {
  // Projects: named file trees, stored as numbered versions (archives in the blob store).
  createProject(p: NewProject): Promise<Project>;
  getProject(id: string): Promise<Project | null>;
  /** Oldest first; a user's only when `userId` is given. */
  listProjects(filter: { userId?: string }): Promise<Project[]>;
  /** Records version `v.version` and makes it the latest, if the latest is still
   *  `v.version - 1`; false (nothing written) if another version came first. */
  addProjectVersion(v: ProjectVersion): Promise<boolean>;
  /** Newest first. */
  projectVersions(projectId: string): Promise<ProjectVersion[]>;
  projectVersion(projectId: string, version: number): Promise<ProjectVersion | null>;
}
