/** `hangar function publish|versions|alias|concurrency` (docs/cli.md): a function's versions,
 *  aliases and reserved concurrency over /functions/{name}/... (api/routes/function-versions.ts). */
import type { Command } from 'commander';
import type { FunctionUrlView } from '../client/index.ts';
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
    const v = await clientFor(flags).functionVersions.publish(name, {
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
    const page = await client.functionVersions.list(name, { userId: flags.user, limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    const { aliases } = await client.functionVersions.aliases(name, flags.user);
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
    const { alias: a, created } = await clientFor(flags).functionVersions.putAlias(
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
    const r = await clientFor(flags).functionVersions.deleteAlias(name, aliasName, flags.user);
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
    const r = await clientFor(flags).functionVersions.concurrency(name, flags.clear ? null : n!, flags.user);
    if (flags.json) return printJson(r);
    print(r.reserved === null ? `${name}: reserved concurrency removed` : `${name}: reserved concurrency ${r.reserved}`);
  });

  functionUrlCommands(fn);
}

/** `hangar function url set|get|rm`: the function's URL (docs/aws.md, Function URLs). */
function functionUrlCommands(fn: Command): void {
  const url = fn.command('url').description("A function's own HTTP address (Lambda's function URL)");
  type UrlFlags = UserFlags & { alias?: string };
  const show = (u: FunctionUrlView) => {
    print(`${u.url}`);
    print(`  auth ${u.authType}${u.cors ? `, CORS from ${u.cors.allowOrigins.join(',') || 'no origin'}` : ''}`);
    if (u.authType === 'NONE')
      note(
        `public only once its policy allows lambda:InvokeFunctionUrl and lambda:InvokeFunction to * (PUT /functions/${u.functionName}/policy/{sid}); else 403`,
      );
  };
  clientOptions(
    url
      .command('set')
      .description('Give the function (or --alias) a URL, or change its auth type and CORS')
      .argument('<name>')
      .option('--auth <type>', 'NONE (public, as the policy allows) or AWS_IAM (SigV4-signed by a key)', 'AWS_IAM')
      .option('--cors-origin <origins>', 'comma-separated origins CORS allows (* for any)')
      .option('--no-cors', 'remove the CORS configuration')
      .option('--alias <alias>', "the alias's URL")
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UrlFlags & { auth: string; corsOrigin?: string; cors: boolean }) => {
    const cors =
      flags.cors === false
        ? null
        : flags.corsOrigin !== undefined
          ? { allowOrigins: flags.corsOrigin.split(',').filter(Boolean) }
          : undefined;
    const u = await clientFor(flags).functionUrls.put(
      name,
      { authType: flags.auth.toUpperCase(), ...(cors !== undefined ? { cors } : {}) },
      { qualifier: flags.alias, userId: flags.user },
    );
    if (flags.json) return printJson(u);
    show(u);
  });
  clientOptions(
    url
      .command('get')
      .description("The function's (or --alias's) URL and how it is reached")
      .argument('<name>')
      .option('--alias <alias>', "the alias's URL")
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UrlFlags) => {
    const u = await clientFor(flags).functionUrls.get(name, { qualifier: flags.alias, userId: flags.user });
    if (flags.json) return printJson(u);
    show(u);
  });
  clientOptions(
    url
      .command('rm')
      .description("Delete the function's (or --alias's) URL: it is served no more")
      .argument('<name>')
      .option('--alias <alias>', "the alias's URL")
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: UrlFlags) => {
    const r = await clientFor(flags).functionUrls.delete(name, { qualifier: flags.alias, userId: flags.user });
    if (flags.json) return printJson(r);
    print(`${name}${flags.alias ? `:${flags.alias}` : ''}: URL deleted`);
  });
}
