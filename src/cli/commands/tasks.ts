/** `hangar status | logs | cancel | list | history`. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ApiError, type CancelResult, type ListParams } from '../client/index.ts';
import { historyTable, taskDetails, taskTable } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, reportError, type ClientFlags } from './common.ts';
import { streamTask } from './follow.ts';

const STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

/** A status in any case (`failed`, `Failed`), as the API spells it. */
function status(value: string): string {
  const s = value.trim().toUpperCase();
  if (!STATUSES.includes(s)) throw new InvalidArgumentError(`Allowed choices are ${STATUSES.join(', ')} (any case).`);
  return s;
}

export function taskCommands(program: Command): void {
  clientOptions(program.command('status').description('Show a task: status, timings, error and result').argument('<taskId>')).action(
    async (id: string, flags: ClientFlags) => {
      const t = await clientFor(flags).tasks.get(id);
      if (flags.json) printJson(t);
      else print(taskDetails(t));
    },
  );

  clientOptions(
    program
      .command('logs')
      .description("Print a task attempt's output: its stdout on stdout, its stderr on stderr")
      .argument('<taskId>')
      .option('--attempt <n>', 'attempt number (default: the latest; with --follow: from this attempt on)', int)
      .addOption(new Option('--stream <name>', 'only this stream').choices(['stdout', 'stderr']).conflicts('json'))
      .addOption(
        new Option('--follow', 'stream the output live until the task ends (every attempt); exit 0 only if it succeeds').conflicts([
          'json',
          'stream',
        ]),
      ),
  ).action(async (id: string, flags: ClientFlags & { attempt?: number; stream?: 'stdout' | 'stderr'; follow?: boolean }) => {
    const client = clientFor(flags);
    if (flags.follow) {
      const { status: end } = await streamTask(client, id, { after: flags.attempt ? `${flags.attempt}.0` : undefined });
      if (end !== 'SUCCESS') note(`task ${id} ended ${end}`);
      process.exitCode = end === 'SUCCESS' ? 0 : 1;
      return;
    }
    if (flags.stream) {
      const text = await client.tasks.logs(id, { attempt: flags.attempt, stream: flags.stream });
      (flags.stream === 'stdout' ? process.stdout : process.stderr).write(text);
      return;
    }
    const logs = await client.tasks.logs(id, { attempt: flags.attempt });
    if (flags.json) return printJson(logs);
    process.stdout.write(logs.stdout);
    process.stderr.write(logs.stderr);
    for (const s of ['stdout', 'stderr'] as const) {
      if (logs[`${s}Truncated`]) note(`${s} was truncated: its middle is left out, its head and tail kept (HANGAR_MAX_OUTPUT_BYTES)`);
    }
  });

  clientOptions(
    program
      .command('cancel')
      .description('Cancel tasks: a pending one never runs, a running one is killed (exit 1 if any could not be cancelled)')
      .argument('<taskId...>'),
  ).action(async (ids: string[], flags: ClientFlags) => {
    const client = clientFor(flags);
    const results: (CancelResult | { taskId: string; error: { status: number; code: string; detail: string } })[] = [];
    for (const id of ids) {
      try {
        const res = await client.tasks.cancel(id);
        results.push(res);
        if (!flags.json) print(`${res.taskId}: ${res.message} (${res.status})`);
      } catch (err) {
        // One refusal (a finished or unknown task) does not stop the others; the exit code tells.
        if (!(err instanceof ApiError) || ids.length === 1) throw err;
        results.push({ taskId: id, error: { status: err.status, code: err.code, detail: err.detail } });
        if (!flags.json) reportError(err);
        process.exitCode = 1;
      }
    }
    if (flags.json) printJson(ids.length === 1 ? results[0] : results);
  });

  clientOptions(
    program
      .command('list')
      .description('List tasks, newest first')
      .option('--status <status>', `only tasks in this status: ${STATUSES.join(', ')} (any case)`, status)
      .option('--user <id>', 'only tasks of this user')
      .option('--queue <name>', 'only tasks of this queue')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)'),
  ).action(async (flags: ClientFlags & { status?: string; user?: string; queue?: string; limit?: number; cursor?: string }) => {
    const client = clientFor(flags);
    const query = {
      status: flags.status as ListParams['status'],
      userId: flags.user,
      queue: flags.queue,
      limit: flags.limit,
      cursor: flags.cursor,
    };
    if (flags.json) return printJson(await client.tasks.list(query));
    // An admin sees every user's tasks: whose each is goes in a column.
    const [page, me] = await Promise.all([client.tasks.list(query), client.access.me()]);
    print(page.tasks.length > 0 ? taskTable(page, { user: me.scope === 'admin' }) : 'no tasks');
    if (page.nextCursor) note(`more tasks: hangar list --cursor ${page.nextCursor}`);
  });

  clientOptions(program.command('history').description('Every state transition of a task').argument('<taskId>')).action(
    async (id: string, flags: ClientFlags) => {
      const h = await clientFor(flags).tasks.history(id);
      if (flags.json) printJson(h);
      else print(historyTable(h));
    },
  );
}
