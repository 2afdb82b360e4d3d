/** `hangar function publish|versions|alias|concurrency` (docs/cli.md): a function's versions,
 *  aliases and reserved concurrency over /functions/{name}/... (api/routes/function-versions.ts). */
import type { Command } from 'commander';
import { bytes, table, time } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, type ClientFlags } from './common.ts';

type UserFlags = ClientFlags & { user?: string };

export function functionVersionCommands(fn: Command): void {
  clientOptions(
    fn
      .command('publish')
      .description('Publish the function as it is now ($LATEST) as its next version; unchanged since the last one: that one')
      .argument('<name>')
      .option('--description <text>', "the version's description")
      .option('--if-revision <id>', 'only if the function is still at this revision (its revisionId); else refused, changing nothing')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UserFlags & { description?: string; ifRevision?: string }) => {
    const v = await clientFor(flags).publishFunction(name, {
      userId: flags.user,
      description: flags.description,
      revisionId: flags.ifRevision,
    });
    if (flags.json) return printJson(v);
    print(`${v.name}: version ${v.version} (sha256 ${v.code.sha256})`);
  });

  clientOptions(
    fn
      .command('versions')
      .description("A function's published versions, oldest first, with the aliases pointing at each")
      .argument('<name>')
      .option('--limit <n>', 'at most this many (1-500, default 50)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UserFlags & { limit?: number; cursor?: string }) => {
    const client = clientFor(flags);
    const page = await client.functionVersions(name, { userId: flags.user, limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    const { aliases } = await client.functionAliases(name, flags.user);
    const named = (version: string) =>
      aliases
        .filter((a) => a.version === version)
        .map((a) => a.name)
        .join(',') || null;
    print(
      page.versions.length > 0
        ? table(
            ['VERSION', 'RUNTIME', 'MEMORY', 'CODE', 'ALIASES', 'DESCRIPTION', 'PUBLISHED'],
            page.versions.map((v) => [
              v.version,
              v.runtime,
              `${v.memoryMb} MB`,
              bytes(v.code.size),
              named(v.version),
              v.description || null,
              time(v.lastModified),
            ]),
          )
        : `${name}: no published versions (hangar function publish ${name})`,
    );
    if (page.nextCursor) note(`more versions: hangar function versions ${name} --cursor ${page.nextCursor}`);
  });

  const alias = fn.command('alias').description('Aliases: names that point at a published version');
  clientOptions(
    alias
      .command('set')
      .description('Point an alias at a published version, making the alias if it is new')
      .argument('<name>', 'the function')
      .argument('<alias>')
      .argument('<version>', 'a published version number')
      .option('--description <text>')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, aliasName: string, version: string, flags: UserFlags & { description?: string }) => {
    const { alias: a, created } = await clientFor(flags).putFunctionAlias(
      name,
      aliasName,
      { version, description: flags.description },
      flags.user,
    );
    if (flags.json) return printJson(a);
    print(`${name}:${a.name} → version ${a.version} (${created ? 'created' : 'updated'})`);
  });

  clientOptions(
    alias
      .command('rm')
      .description('Delete an alias (its version stays)')
      .argument('<name>', 'the function')
      .argument('<alias>')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, aliasName: string, flags: UserFlags) => {
    const r = await clientFor(flags).deleteFunctionAlias(name, aliasName, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}:${aliasName}: deleted`);
  });

  clientOptions(
    fn
      .command('concurrency')
      .description('Reserve concurrency for a function (at most N instances at once; 0 stops it), or --clear the reservation')
      .argument('<name>')
      .argument('[n]', 'concurrent instances to reserve', int)
      .option('--clear', 'remove the reservation')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, n: number | undefined, flags: UserFlags & { clear?: boolean }, cmd: Command) => {
    if ((n === undefined) === !flags.clear) cmd.error('error: give the concurrency as N or --clear (one of them)');
    const r = await clientFor(flags).functionConcurrency(name, flags.clear ? null : n!, flags.user);
    if (flags.json) return printJson(r);
    print(r.reserved === null ? `${name}: reserved concurrency removed` : `${name}: reserved concurrency ${r.reserved}`);
  });
}
