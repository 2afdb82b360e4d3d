/** `hangar key create|list|revoke`, `hangar secret set|list|rm`, `hangar audit`, `hangar whoami`. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { table, time } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, type ClientFlags } from './common.ts';

export function accessCommands(program: Command): void {
  clientOptions(program.command('whoami').description('The user and scope of the API key in use')).action(async (flags: ClientFlags) => {
    const me = await clientFor(flags).access.me();
    if (flags.json) printJson(me);
    else
      print(
        me.authentication === 'none' ? 'authentication is off: every caller is an admin' : `${me.userId} (${me.scope} key ${me.keyId})`,
      );
  });

  const key = program.command('key').description('API keys (admin): create, list, revoke');
  clientOptions(
    key
      .command('create')
      .description('Create an API key; it is printed once and only its hash is kept')
      .requiredOption('--user <id>', 'the user the key acts as')
      .option('--admin', 'an admin key (manages keys, sees every user)')
      .option('--name <text>', 'a label'),
  ).action(async (flags: ClientFlags & { user: string; admin?: boolean; name?: string }) => {
    const k = await clientFor(flags).access.createKey({ userId: flags.user, scope: flags.admin ? 'admin' : 'user', name: flags.name });
    if (flags.json) return printJson(k);
    print(k.key);
    note(`key ${k.keyId} for ${k.userId} (${k.scope}); it is shown this once: store it now`);
  });
  clientOptions(key.command('list').description('List keys (never the keys themselves)').option('--user <id>', "only this user's")).action(
    async (flags: ClientFlags & { user?: string }) => {
      const { keys } = await clientFor(flags).access.keys(flags.user);
      if (flags.json) return printJson({ keys });
      print(
        table(
          ['KEY ID', 'PREFIX', 'USER', 'SCOPE', 'CREATED', 'REVOKED', 'NAME'],
          keys.map((k) => [k.keyId, k.prefix + '…', k.userId, k.scope, time(k.createdAt), time(k.revokedAt), k.name ?? '']),
        ),
      );
    },
  );
  clientOptions(key.command('revoke').description('Revoke a key: refused from the next request on').argument('<keyId>')).action(
    async (id: string, flags: ClientFlags) => {
      const k = await clientFor(flags).access.revokeKey(id);
      if (flags.json) printJson(k);
      else print(`${k.keyId}: revoked at ${time(k.revokedAt)}`);
    },
  );

  const secret = program.command('secret').description('Your secrets: encrypted at rest, injected into tasks by name, never shown again');
  clientOptions(
    secret
      .command('set')
      .description('Create or replace a secret; the value is read from standard input unless --value or --from-file')
      .argument('<name>', 'also the environment variable the task sees')
      .option('--value <text>', 'the value (visible in your shell history: prefer stdin)')
      .option('--from-file <path>', 'read the value from a file'),
  ).action(async (name: string, flags: ClientFlags & { value?: string; fromFile?: string }) => {
    let value = flags.value ?? (flags.fromFile ? readFileSync(flags.fromFile, 'utf8') : readFileSync(0, 'utf8'));
    if (!flags.value) value = value.replace(/\r?\n$/, '');
    if (value === '') throw new InvalidArgumentError('the secret value is empty');
    const s = await clientFor(flags).access.putSecret(name, value);
    if (flags.json) printJson(s);
    else print(`secret ${s.name} saved (use it: hangar submit --secret ${s.name} ...)`);
  });
  clientOptions(secret.command('list').description('Names of your secrets (never values)')).action(async (flags: ClientFlags) => {
    const { secrets } = await clientFor(flags).access.secrets();
    if (flags.json) return printJson({ secrets });
    print(
      secrets.length === 0
        ? 'no secrets'
        : table(
            ['NAME', 'CREATED', 'UPDATED'],
            secrets.map((s) => [s.name, time(s.createdAt), time(s.updatedAt)]),
          ),
    );
  });
  clientOptions(secret.command('rm').description('Delete a secret').argument('<name>')).action(async (name: string, flags: ClientFlags) => {
    const r = await clientFor(flags).access.deleteSecret(name);
    if (flags.json) printJson(r);
    else print(`secret ${r.name} deleted`);
  });

  clientOptions(
    program
      .command('audit')
      .description('The audit log (admin): changing API calls and executions, newest first')
      .option('--actor <user>', "only this user's")
      .option('--action <action>', 'e.g. "POST /tasks" or task.execute')
      .option('--target <id>', 'only entries about this object')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page'),
  ).action(async (flags: ClientFlags & { actor?: string; action?: string; target?: string; limit?: number; cursor?: string }) => {
    const page = await clientFor(flags).access.audit({
      actor: flags.actor,
      action: flags.action,
      target: flags.target,
      limit: flags.limit,
      cursor: flags.cursor,
    });
    if (flags.json) return printJson(page);
    print(
      table(
        ['AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'FROM'],
        page.entries.map((e) => [time(e.at), e.actor, e.action, e.target, e.outcome, e.source]),
      ),
    );
    if (page.nextCursor) note(`more entries: hangar audit --cursor ${page.nextCursor}`);
  });
}
