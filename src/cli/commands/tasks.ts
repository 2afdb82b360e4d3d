/** `hangar status | logs | cancel | list | history`. */
import { Option, type Command } from 'commander';
import type { ListParams } from '../client.ts';
import { historyTable, taskDetails, taskTable } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, type ClientFlags } from './common.ts';

const STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

export function taskCommands(program: Command): void {
  clientOptions(program.command('status').description('Show a task: status, timings, error and result').argument('<taskId>')).action(
    async (id: string, flags: ClientFlags) => {
      const t = await clientFor(flags).get(id);
      if (flags.json) printJson(t);
      else print(taskDetails(t));
    },
  );

  clientOptions(
    program
      .command('logs')
      .description("Print a task attempt's output: its stdout on stdout, its stderr on stderr")
      .argument('<taskId>')
      .option('--attempt <n>', 'attempt number (default: the latest)', int)
      .addOption(new Option('--stream <name>', 'only this stream').choices(['stdout', 'stderr']).conflicts('json')),
  ).action(async (id: string, flags: ClientFlags & { attempt?: number; stream?: 'stdout' | 'stderr' }) => {
    const client = clientFor(flags);
    if (flags.stream) {
      const text = await client.logs(id, { attempt: flags.attempt, stream: flags.stream });
      (flags.stream === 'stdout' ? process.stdout : process.stderr).write(text);
      return;
    }
    const logs = await client.logs(id, { attempt: flags.attempt });
    if (flags.json) return printJson(logs);
    process.stdout.write(logs.stdout);
    process.stderr.write(logs.stderr);
    if (logs.stdoutTruncated) note('stdout was truncated (the server keeps at most HANGAR_MAX_OUTPUT_BYTES)');
    if (logs.stderrTruncated) note('stderr was truncated (the server keeps at most HANGAR_MAX_OUTPUT_BYTES)');
  });

  clientOptions(program.command('cancel').description('Cancel a task: a pending one never runs, a running one is killed').argument('<taskId>')).action(
    async (id: string, flags: ClientFlags) => {
      const res = await clientFor(flags).cancel(id);
      if (flags.json) printJson(res);
      else print(`${res.taskId}: ${res.message} (${res.status})`);
    },
  );

  clientOptions(
    program
      .command('list')
      .description('List tasks, newest first')
      .addOption(new Option('--status <status>', 'only tasks in this status').choices(STATUSES))
      .option('--user <id>', 'only tasks of this user')
      .option('--queue <name>', 'only tasks of this queue')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)'),
  ).action(async (flags: ClientFlags & { status?: string; user?: string; queue?: string; limit?: number; cursor?: string }) => {
    const page = await clientFor(flags).list({
      status: flags.status as ListParams['status'],
      userId: flags.user,
      queue: flags.queue,
      limit: flags.limit,
      cursor: flags.cursor,
    });
    if (flags.json) return printJson(page);
    print(page.tasks.length > 0 ? taskTable(page) : 'no tasks');
    if (page.nextCursor) note(`more tasks: hangar list --cursor ${page.nextCursor}`);
  });

  clientOptions(program.command('history').description('Every state transition of a task').argument('<taskId>')).action(
    async (id: string, flags: ClientFlags) => {
      const h = await clientFor(flags).history(id);
      if (flags.json) printJson(h);
      else print(historyTable(h));
    },
  );
}
