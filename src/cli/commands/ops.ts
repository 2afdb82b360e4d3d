/** `hangar queues | dlq | dlq redrive | health | config`. */
import type { Command } from 'commander';
import { configMarkdown } from '../../config/index.ts';
import { dlqTable, healthText, queuesTable } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, type ClientFlags } from './common.ts';

export function opsCommands(program: Command): void {
  clientOptions(program.command('queues').description('Pending and running tasks per queue and priority')).action(async (flags: ClientFlags) => {
    const q = await clientFor(flags).queues();
    if (flags.json) printJson(q);
    else print(queuesTable(q));
  });

  const dlq = clientOptions(
    program
      .command('dlq')
      .description('List the dead-letter queue: tasks whose last attempt failed or timed out')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)'),
  ).action(async (flags: ClientFlags & { limit?: number; cursor?: string }) => {
    const page = await clientFor(flags).dlq({ limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    print(page.tasks.length > 0 ? dlqTable(page) : 'the dead-letter queue is empty');
    if (page.nextCursor) note(`more tasks: hangar dlq --cursor ${page.nextCursor}`);
  });

  clientOptions(dlq.command('redrive').description('Put a dead-lettered task back in its queue (same id, fresh attempts)').argument('<taskId>')).action(
    async (id: string, flags: ClientFlags) => {
      const t = await clientFor(flags).redrive(id);
      if (flags.json) printJson(t);
      else print(`${t.taskId}: redriven, now ${t.status}`);
    },
  );

  clientOptions(program.command('health').description('Health of database, storage and compute (exit 1 when unhealthy)')).action(
    async (flags: ClientFlags) => {
      const h = await clientFor(flags).health();
      if (flags.json) printJson(h);
      else print(healthText(h));
      if (h.status === 'unhealthy') process.exitCode = 1;
    },
  );

  program
    .command('config')
    .description('Print every setting: environment variable, flag, default and meaning (Markdown table)')
    .option('--markdown', 'Markdown table (the default and only format)')
    .action(() => print(configMarkdown()));
}
