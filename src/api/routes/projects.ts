/**
 * /projects (issue 6): a user's named file trees. Upload a tar or tar.gz to make the next
 * version, download any version, list versions. A task that names a project (POST /tasks
 * {"project": id}) runs in its latest files and stores what it changed as the next version
 * (src/projects).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createProject, listScope, ownedProject, terminalLane, uploadVersion, versionArchive } from '../../app/index.ts';
import { UnsupportedMedia } from '../../core/errors.ts';
import type { ArchiveLimits } from '../../projects/index.ts';
import type { Project, ProjectVersion } from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl, taskView } from '../present.ts';
import { Problem, SubmitBody, SubmitResponse, TaskPage, UserId } from '../schemas.ts';
import { answerSubmit } from '../submit.ts';

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/octet-stream'];

const ProjectView = z.object({
  projectId: z.string(),
  name: z.string(),
  userId: z.string().nullable(),
  latestVersion: z.number().describe('0 until files are uploaded or a task stores some.'),
  createdAt: z.string(),
  filesUrl: z.string().describe('GET it for the latest version as tar.gz.'),
});
const VersionView = z.object({
  version: z.number(),
  createdAt: z.string(),
  baseVersion: z.number().nullable().describe('The version it was made from.'),
  taskId: z.string().nullable().describe('The task whose changes made it; null for an upload.'),
  files: z.number(),
  bytes: z.number(),
  conflicts: z
    .array(z.string())
    .describe("Files this task changed that another version had changed since its base version: this version has this task's content."),
});
export const TerminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'terminal ids are [A-Za-z0-9_-], at most 64');

const ProjectParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'project ids are [A-Za-z0-9_-]') });

export function projectView(ctx: ApiContext, p: Project) {
  const base = (ctx.config.publicUrl ?? '').replace(/\/$/, '');
  return {
    projectId: p.id,
    name: p.name,
    userId: p.userId,
    latestVersion: p.latestVersion,
    createdAt: new Date(p.createdAt).toISOString(),
    filesUrl: `${base}/projects/${p.id}/files`,
  };
}
const versionView = (v: ProjectVersion) => ({
  version: v.version,
  createdAt: new Date(v.createdAt).toISOString(),
  baseVersion: v.baseVersion,
  taskId: v.taskId,
  files: v.files,
  bytes: v.bytes,
  conflicts: v.conflicts,
});

export function projectRoutes(app: FastifyInstance, ctx: ApiContext, limits: ArchiveLimits): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Archives arrive as the body itself. The parser keeps the server's body limit (it serves
  // every route); only the upload route raises it to the project limit (its bodyLimit).
  app.addContentTypeParser(ARCHIVE_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  r.post(
    '/projects',
    {
      schema: {
        summary: 'Create a project (no files yet: upload a version, or let a task write them)',
        tags: ['projects'],
        body: z.strictObject({ name: z.string().min(1).max(200), userId: UserId.optional().describe('Admin keys only: whose project.') }),
        response: { 201: ProjectView, 403: Problem },
      },
    },
    async (req, reply) => {
      const p = await createProject(ctx, principalOf(req), req.body.name, req.body.userId);
      req.auditTarget = p.id;
      return reply.code(201).send(projectView(ctx, p));
    },
  );

  r.get(
    '/projects',
    {
      schema: {
        summary: "Projects (a user key: its user's own)",
        tags: ['projects'],
        querystring: z.strictObject({ userId: UserId.optional() }),
        response: { 200: z.object({ projects: z.array(ProjectView) }), 403: Problem },
      },
    },
    async (req) => ({
      projects: (await ctx.store.listProjects({ userId: listScope(principalOf(req), req.query.userId) })).map((p) => projectView(ctx, p)),
    }),
  );

  r.get(
    '/projects/:id',
    {
      schema: {
        summary: 'A project and its versions, newest first',
        tags: ['projects'],
        params: ProjectParams,
        response: { 200: ProjectView.extend({ versions: z.array(VersionView) }), 404: Problem },
      },
    },
    async (req) => {
      const p = await ownedProject(ctx.store, principalOf(req), req.params.id);
      return { ...projectView(ctx, p), versions: (await ctx.store.projectVersions(p.id)).map(versionView) };
    },
  );

  r.put(
    '/projects/:id/files',
    {
      bodyLimit: limits.maxBytes,
      config: { bodyTypes: ARCHIVE_TYPES },
      schema: {
        summary: "Upload the project's files as a tar or tar.gz archive: the whole tree of the next version",
        tags: ['projects'],
        params: ProjectParams,
        response: { 201: VersionView, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const p = await ownedProject(ctx.store, principalOf(req), req.params.id);
      const body = req.body;
      if (!Buffer.isBuffer(body))
        throw new UnsupportedMedia(`send the archive as the body, Content-Type one of ${ARCHIVE_TYPES.join(', ')}`);
      const v = await uploadVersion(ctx, p, body, limits);
      req.auditTarget = p.id;
      return reply.code(201).send(versionView(v));
    },
  );

  const TerminalParams = ProjectParams.extend({ terminalId: TerminalId });
  r.post(
    '/projects/:id/terminals/:terminalId/commands',
    {
      schema: {
        summary: "Run a command in a project's terminal: after the terminal's earlier commands, in the project's files",
        description:
          'Each command is a task (shell: the command) in the project, in the FIFO group terminal:<projectId>:<terminalId>: ' +
          "a terminal's commands run one at a time in the order sent, different terminals in parallel. Their status and output " +
          'stream on the WebSocket channel terminal:<projectId>:<terminalId>. No stdin and no PTY: a command that waits for input gets end-of-file.',
        tags: ['projects'],
        params: TerminalParams,
        body: z.strictObject({
          command: z.string().min(1).max(65_536).describe('A shell command line (/bin/sh -c).'),
          timeout: SubmitBody.shape.timeout,
          env: SubmitBody.shape.env,
          resources: SubmitBody.shape.resources,
        }),
        response: { 201: SubmitResponse, 404: Problem },
      },
    },
    async (req, reply) => {
      const p = await ownedProject(ctx.store, principalOf(req), req.params.id);
      const body = SubmitBody.parse({
        command: `terminal ${req.params.terminalId}: ${req.body.command}`.slice(0, 256),
        shell: req.body.command,
        project: p.id,
        group: terminalLane(p.id, req.params.terminalId),
        ...(p.userId !== null ? { userId: p.userId } : {}),
        ...(req.body.timeout !== undefined ? { timeout: req.body.timeout } : {}),
        ...(req.body.env !== undefined ? { env: req.body.env } : {}),
        ...(req.body.resources !== undefined ? { resources: req.body.resources } : {}),
      });
      return answerSubmit(ctx, req, reply, body, undefined);
    },
  );

  r.get(
    '/projects/:id/terminals/:terminalId/commands',
    {
      schema: {
        summary: "A terminal's commands, newest first",
        tags: ['projects'],
        params: TerminalParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(64).optional() }),
        response: { 200: TaskPage, 404: Problem },
      },
    },
    async (req) => {
      const p = await ownedProject(ctx.store, principalOf(req), req.params.id);
      const page = await ctx.store.list({
        lane: terminalLane(p.id, req.params.terminalId),
        ...(p.userId !== null ? { userId: p.userId } : {}),
        after: req.query.cursor,
        limit: req.query.limit,
      });
      const now = ctx.clock.now();
      return { tasks: page.items.map((t) => taskView(t, baseUrl(ctx, req), now)), nextCursor: page.nextCursor };
    },
  );

  // The body is an archive, not JSON: registered without the typed provider's serializer.
  const FilesQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
  app.get<{ Params: z.infer<typeof ProjectParams>; Querystring: z.infer<typeof FilesQuery> }>(
    '/projects/:id/files',
    {
      schema: {
        summary: 'Download a version of the project (the latest unless ?version=) as tar.gz',
        tags: ['projects'],
        params: ProjectParams,
        querystring: FilesQuery,
        response: { 404: Problem },
      },
    },
    async (req, reply) => {
      const p = await ownedProject(ctx.store, principalOf(req), req.params.id);
      const { version, archive } = await versionArchive(ctx, p, req.query.version);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${p.id}-v${version}.tar.gz"`)
        .header('x-hangar-project-version', String(version))
        .send(archive);
    },
  );
}
