/** `hangar project create|list|show|upload|download` and `hangar terminal run|list` (docs/projects-and-terminals.md). */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Project, ProjectVersion } from '../client/index.ts';
import { bytes, fields, table, taskTable, time } from '../render.ts';
import { clientFor, clientOptions, envPair, int, note, print, printJson, type ClientFlags } from './common.ts';
import { streamTask } from './follow.ts';
import { waitFor } from './submit.ts';

const projectRows = (ps: Project[]) =>
  table(
    ['ID', 'NAME', 'USER', 'VERSION', 'CREATED'],
    ps.map((p) => [p.projectId, p.name, p.userId, p.latestVersion, time(p.createdAt)]),
  );

const versionRows = (vs: ProjectVersion[]) =>
  table(
    ['VERSION', 'CREATED', 'FROM', 'TASK', 'FILES', 'BYTES', 'CONFLICTS'],
    vs.map((v) => [
      v.version,
      time(v.createdAt),
      v.baseVersion,
      v.taskId ?? 'upload',
      v.files,
      bytes(v.bytes),
      v.conflicts.length > 0 ? v.conflicts.join(' ') : null,
    ]),
  );

export function projectCommands(program: Command): void {
  const project = program
    .command('project')
    .description("Projects: a user's file trees in numbered versions, which tasks run in (submit --project) and change");

  clientOptions(
    project
      .command('create')
      .description('Create a project (no files yet); prints its id')
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose project'),
  ).action(async (name: string, flags: ClientFlags & { user?: string }) => {
    const p = await clientFor(flags).projects.create({ name, userId: flags.user });
    if (flags.json) printJson(p);
    else print(p.projectId);
  });

  clientOptions(
    project.command('list').description('Projects (a user key: its own)').option('--user <id>', "admin keys: only this user's"),
  ).action(async (flags: ClientFlags & { user?: string }) => {
    const { projects } = await clientFor(flags).projects.list(flags.user);
    if (flags.json) printJson({ projects });
    else print(projects.length > 0 ? projectRows(projects) : 'no projects (hangar project create <name>)');
  });

  clientOptions(project.command('show').description('A project and its versions, newest first').argument('<projectId>')).action(
    async (id: string, flags: ClientFlags) => {
      const p = await clientFor(flags).projects.get(id);
      if (flags.json) return printJson(p);
      print(
        fields([
          ['project', p.projectId],
          ['name', p.name],
          ['user', p.userId],
          ['version', p.latestVersion],
          ['created', time(p.createdAt)],
        ]),
      );
      if (p.versions.length > 0) print(`\n${versionRows(p.versions)}`);
    },
  );

  clientOptions(
    project
      .command('upload')
      .description("Upload files as the project's next version: a directory (packed as tar.gz) or a tar / tar.gz archive")
      .argument('<projectId>')
      .argument('<path>', 'a directory, or a .tar / .tar.gz file'),
  ).action(async (id: string, path: string, flags: ClientFlags) => {
    const src = resolve(path);
    // Loaded only here: the archive code (and its tar dependency) is not needed by other commands.
    const archive = statSync(src).isDirectory() ? await (await import('../../projects/index.ts')).pack(src) : readFileSync(src);
    const v = await clientFor(flags).projects.upload(id, archive);
    if (flags.json) printJson(v);
    else print(`${id}: version ${v.version} (${v.files} files, ${bytes(v.bytes)})`);
  });

  clientOptions(
    project
      .command('download')
      .description('Download a version (the latest by default) as tar.gz: to a file, into a directory, or to standard output')
      .argument('<projectId>')
      .option('--version <n>', 'this version', int)
      .option('-o, --output <file>', 'write the tar.gz here')
      .option('--extract <dir>', 'unpack the files into this directory'),
  ).action(async (id: string, flags: ClientFlags & { version?: number; output?: string; extract?: string }) => {
    if (!flags.output && !flags.extract && process.stdout.isTTY) {
      throw new Error('the archive is binary: give -o <file> or --extract <dir>, or redirect standard output');
    }
    const { version, archive } = await clientFor(flags).projects.download(id, flags.version);
    if (flags.output) writeFileSync(flags.output, archive);
    if (flags.extract) await (await import('../../projects/index.ts')).unpack(archive, resolve(flags.extract));
    if (!flags.output && !flags.extract) process.stdout.write(archive);
    else
      note(
        `${id} version ${version}: ${[flags.output && `written to ${flags.output}`, flags.extract && `unpacked into ${flags.extract}`].filter(Boolean).join(', ')}`,
      );
  });

  const terminal = program
    .command('terminal')
    .description(
      "A project's terminals: lanes of shell commands that run one at a time, in order, each in the files the previous one left",
    );

  clientOptions(
    terminal
      .command('run')
      .description("Run a command line in a project's terminal (after its earlier commands); prints the task id, or with --wait its output")
      .argument('<projectId>')
      .argument('<terminal>', 'terminal name: letters, digits, _ and -')
      .argument(
        '<command...>',
        'the command line, run by /bin/sh -c (words are joined with spaces; after -- when it has options of its own: -- ls -la)',
      )
      .option('--timeout <s>', 'seconds before the command is killed', int)
      .option('--env <KEY=VALUE>', 'environment variable (repeatable)', envPair)
      .option('--cpu <units>', 'CPU units, 1024 = 1 vCPU', int)
      .option('--memory <mb>', 'memory limit, MB', int)
      .option('--wait', 'stream its output until it ends (exit 0 only if it succeeds)'),
  ).action(
    async (
      projectId: string,
      name: string,
      words: string[],
      flags: ClientFlags & { timeout?: number; env?: Record<string, string>; cpu?: number; memory?: number; wait?: boolean },
    ) => {
      const client = clientFor(flags);
      const resources = flags.cpu !== undefined || flags.memory !== undefined ? { cpu: flags.cpu, memory: flags.memory } : undefined;
      const r = await client.projects.runCommand(projectId, name, {
        command: words.join(' '),
        timeout: flags.timeout,
        env: flags.env,
        resources,
      });
      if (!flags.wait) {
        if (flags.json) printJson(r);
        else print(r.taskId);
        return;
      }
      if (flags.json) {
        const t = await waitFor(client, r.taskId);
        printJson(t);
        process.exitCode = t.status === 'SUCCESS' ? 0 : 1;
        return;
      }
      const { status } = await streamTask(client, r.taskId);
      if (status !== 'SUCCESS') {
        const t = await client.tasks.get(r.taskId);
        note(`${r.taskId} ${t.status}${t.error ? `: ${t.error.message}` : ''}`);
      }
      process.exitCode = status === 'SUCCESS' ? 0 : 1;
    },
  );

  clientOptions(
    terminal
      .command('list')
      .description("A terminal's commands, newest first")
      .argument('<projectId>')
      .argument('<terminal>')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)'),
  ).action(async (projectId: string, name: string, flags: ClientFlags & { limit?: number; cursor?: string }) => {
    const page = await clientFor(flags).projects.commands(projectId, name, { limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    print(page.tasks.length > 0 ? taskTable(page) : 'no commands');
    if (page.nextCursor) note(`more commands: hangar terminal list ${projectId} ${name} --cursor ${page.nextCursor}`);
  });
}
