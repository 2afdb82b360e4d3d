/**
 * Who may touch what. A user sees and changes only their own objects, and a foreign id is
 * refused exactly as a missing one (NotFound), so ids cannot be probed; an admin sees all.
 */
import type { Principal } from '../auth/index.ts';
import { ErrorCode, Forbidden, InvalidInput, NotFound } from '../core/errors.ts';
import type { Project, Task } from '../core/index.ts';
import type { Projects, TaskReads } from '../store/index.ts';

/** May this caller see the task? Admins see all; users their own. */
export function mayAccess(p: Principal, t: Task): boolean {
  return p.scope === 'admin' || (p.userId !== null && t.userId === p.userId);
}

/** The user whose objects a list shows: the caller's own, or for an admin, any (undefined) or the one asked for. */
export function listScope(p: Principal, asked: string | undefined): string | undefined {
  if (p.scope === 'admin') return asked;
  if (asked !== undefined && asked !== p.userId) throw new Forbidden("a user key lists only its own user's objects");
  return p.userId ?? undefined;
}

/** The task, if the caller may see it; otherwise the same NotFound as for an id that does not exist. */
export async function ownedTask(store: Pick<TaskReads, 'get'>, p: Principal, id: string): Promise<Task> {
  const t = await store.get(id);
  if (!t || !mayAccess(p, t)) throw new NotFound(ErrorCode.TaskNotFound, `task ${id} not found`);
  return t;
}

/** May this caller see the project? Admins see all; users their own. */
export function mayAccessProject(p: Principal, project: Project): boolean {
  return p.scope === 'admin' || project.userId === p.userId;
}

/** The project, if the caller may see it; else NotFound as if missing. */
export async function ownedProject(store: Projects, p: Principal, id: string): Promise<Project> {
  const project = await store.getProject(id);
  if (!project || !mayAccessProject(p, project)) throw new NotFound(ErrorCode.ProjectNotFound, `project ${id} not found`);
  return project;
}

/** Whose task this is: a user key submits for its own user (another user → Forbidden); an
 *  admin key for anyone (its own user by default). */
export function taskOwner(p: Principal, asked: string | undefined): string | null {
  if (p.scope !== 'admin' && asked !== undefined && asked !== p.userId) {
    throw new Forbidden(`this key belongs to user '${p.userId}'; it cannot submit for '${asked}'`);
  }
  return p.scope === 'admin' ? (asked ?? p.userId) : p.userId;
}

/** Whose new project this is: as taskOwner, for projects. */
export function projectOwner(p: Principal, asked: string | undefined): string | null {
  if (p.scope !== 'admin' && asked !== undefined && asked !== p.userId) {
    throw new Forbidden(`this key belongs to user '${p.userId}'; it cannot create projects for '${asked}'`);
  }
  return p.scope === 'admin' ? (asked ?? p.userId) : p.userId;
}

/** The user a secret call acts for. */
export function secretOwner(p: Principal): string {
  if (p.userId === null)
    throw new InvalidInput(ErrorCode.ValidationFailed, 'secrets belong to a user: use an API key (authentication is off)');
  return p.userId;
}

/** The user whose functions a call acts on: a user key its own (another user → Forbidden, as
 *  listScope); an admin key its own or the one asked for. Functions always belong to a user,
 *  so with authentication off (no user) the caller must name one. */
export function functionOwner(p: Principal, asked: string | undefined): string {
  if (p.scope !== 'admin' && asked !== undefined && asked !== p.userId) {
    throw new Forbidden(`this key belongs to user '${p.userId}'; it acts only on its own functions`);
  }
  const user = p.scope === 'admin' ? (asked ?? p.userId) : p.userId;
  if (user === null) throw new InvalidInput(ErrorCode.ValidationFailed, 'functions belong to a user: name one (?userId=) or use a key');
  return user;
}
