/** `hangar queues | dlq | dlq redrive | health | config`. */
import type { Command } from 'commander';
import { configMarkdown, envName, type Config } from '../../config/index.ts';
import { dlqTable, healthText, queuesTable, table } from '../render.ts';
import { apiKey, apiUrl, origin } from '../target.ts';
import { cliSettings, clientFor, clientOptions, INSTALL_ROOT, int, note, print, printJson, type ClientFlags } from './common.ts';

/** Settings whose values `hangar config` never prints. */
const HIDDEN: readonly (keyof Config)[] = [
  'apiKey',
  'adminKey',
  'secretsKey',
  'secretsPreviousKeys',
  's3SecretAccessKey',
  'alertWebhookSecret',
];

/** A setting's value as `hangar config` prints it: secrets hidden, a URL's password and a
 *  webhook's path (Slack puts its token there) left out. */
function shown(key: keyof Config, value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (HIDDEN.includes(key)) return '(set, hidden)';
  if (key === 'databaseUrl') return String(value).replace(/^(\w+:\/\/[^:@/]+:)[^@/]*@/, '$1***@');
  if (key === 'alertWebhookUrl') return `${new URL(String(value)).origin}/…`;
  return String(value);
}

export function opsCommands(program: Command): void {
  clientOptions(program.command('queues').description('Pending and running tasks per queue and priority')).action(
    async (flags: ClientFlags) => {
      const q = await clientFor(flags).queues.depths();
      if (flags.json) printJson(q);
      else print(queuesTable(q));
    },
  );

  const dlq = clientOptions(
    program
      .command('dlq')
      .description('List the dead-letter queue: tasks whose last attempt failed or timed out')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)'),
  ).action(async (flags: ClientFlags & { limit?: number; cursor?: string }) => {
    const page = await clientFor(flags).queues.dlq({ limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    print(page.tasks.length > 0 ? dlqTable(page) : 'the dead-letter queue is empty');
    if (page.nextCursor) note(`more tasks: hangar dlq --cursor ${page.nextCursor}`);
  });

  clientOptions(
    dlq.command('redrive').description('Put a dead-lettered task back in its queue (same id, fresh attempts)').argument('<taskId>'),
  ).action(async (id: string, flags: ClientFlags) => {
    const t = await clientFor(flags).queues.redrive(id);
    if (flags.json) printJson(t);
    else print(`${t.taskId}: redriven, now ${t.status}`);
  });

  clientOptions(program.command('health').description('Health of database, storage and compute (exit 1 when unhealthy)')).action(
    async (flags: ClientFlags) => {
      const h = await clientFor(flags).health.get();
      if (flags.json) printJson(h);
      else print(healthText(h));
      if (h.status === 'unhealthy') process.exitCode = 1;
    },
  );

  program
    .command('config')
    .description(
      'The effective settings: where the CLI connects, which key it uses, and every setting with its value and where it came from',
    )
    .option('--url <base>', 'API base URL (HANGAR_URL)')
    .option('--port <n>', 'HTTP port (HANGAR_PORT)')
    .option('--host <addr>', 'bind address (HANGAR_HOST)')
    .option('--data-dir <dir>', 'data directory (HANGAR_DATA_DIR)')
    .option('--config <file>', 'JSON config file (HANGAR_CONFIG)')
    .option('--json', 'print JSON')
    .option('--markdown', "every setting's variable, flag, default and meaning (the table in docs/settings.md)")
    .action((flags: Record<string, unknown>) => {
      const { json, markdown, ...rest } = flags;
      if (markdown) return print(configMarkdown());
      const l = cliSettings(rest);
      const url = apiUrl(l);
      const key = apiKey(l, { installRoot: INSTALL_ROOT });
      const keys = Object.keys(l.sources) as (keyof Config)[];
      const settings = Object.fromEntries(keys.map((k) => [k, { variable: envName(k), value: shown(k, l.config[k]), from: origin(l, k) }]));
      // The URL the CLI uses, also when it is made of HANGAR_HOST and HANGAR_PORT.
      settings.url = { ...settings.url, value: url.url, from: url.from };
      if (json) return printJson({ url, apiKey: { from: key.from, tried: key.tried }, configFile: l.file ?? null, settings });
      const keyFrom = key.from ?? `none found (${key.tried.map((t) => `${t.file}: ${t.found}`).join('; ')})`;
      print(`api url   ${url.url} (from ${url.from})\napi key   ${keyFrom}${l.file ? `\nconfig    ${l.file}` : ''}\n`);
      print(
        table(
          ['VARIABLE', 'VALUE', 'FROM'],
          keys.map((k) => [settings[k].variable, settings[k].value, settings[k].from]),
        ),
      );
    });
}
