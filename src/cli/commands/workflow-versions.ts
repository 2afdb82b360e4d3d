/** `hangar workflow publish|versions|alias` (docs/cli.md): a state machine's versions and its aliases
 *  over /state-machines/{name}/versions and …/aliases (api/routes/state-machine-versions.ts). A
 *  start through either is `hangar workflow start NAME:N` or `NAME:ALIAS` (./workflows.ts). */
import { type Command, InvalidArgumentError } from 'commander';
import type { AliasRoute, StateMachineAliasInfo } from '../client/index.ts';
import { table, time } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, type ClientFlags } from './common.ts';

type UserFlags = ClientFlags & { user?: string };
type AliasFlags = UserFlags & { route?: AliasRoute[]; description?: string };

/** A repeatable `--route VERSION=WEIGHT` (a lone VERSION: all of the starts), collected in order. */
function routeArg(value: string, acc: AliasRoute[] = []): AliasRoute[] {
  const m = /^(\d{1,10})(?:=(\d{1,3}))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('Expected VERSION=WEIGHT (a percentage), or VERSION alone for all of them.');
  return [...acc, { version: Number(m[1]), weight: m[2] === undefined ? 100 : Number(m[2]) }];
}

const routingText = (routing: AliasRoute[]) => routing.map((r) => `${r.version}=${r.weight}%`).join(' ');

function aliasText(machine: string, a: StateMachineAliasInfo, what: string): string {
  return `${machine}:${a.name} → ${routingText(a.routing)} (${what})`;
}

export function workflowVersionCommands(wf: Command): void {
  clientOptions(
    wf
      .command('publish')
      .description("Publish the state machine's current revision as its next version; unchanged since the last one: that one")
      .argument('<name>')
      .option('--description <text>', "the version's description")
      .option('--if-revision <id>', 'only if the machine is still at this revision (its revisionId); else refused, changing nothing')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, flags: UserFlags & { description?: string; ifRevision?: string }) => {
    const { version: v, created } = await clientFor(flags).machineVersions.publish(
      name,
      { description: flags.description, revisionId: flags.ifRevision },
      flags.user,
    );
    if (flags.json) return printJson(v);
    print(`${name}: version ${v.version}${created ? '' : ' (already published: this revision)'}`);
  });

  clientOptions(
    wf
      .command('versions')
      .description("A state machine's published versions, newest first, with the aliases routing to each")
      .argument('<name>')
      .option('--limit <n>', 'at most this many (default 100)', int)
      .option('--cursor <c>', 'continue after a previous page (its nextCursor)')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, flags: UserFlags & { limit?: number; cursor?: string }) => {
    const client = clientFor(flags);
    const page = await client.machineVersions.list(name, { userId: flags.user, limit: flags.limit, cursor: flags.cursor });
    if (flags.json) return printJson(page);
    // One page of aliases names them all: a machine has at most a handful (Step Functions allows 100).
    const { aliases } = await client.machineVersions.aliases(name, { userId: flags.user, limit: 100 });
    const routing = (version: number) =>
      aliases
        .flatMap((a) => a.routing.filter((r) => r.version === version).map((r) => (r.weight === 100 ? a.name : `${a.name} ${r.weight}%`)))
        .join(', ') || null;
    print(
      page.versions.length > 0
        ? table(
            ['VERSION', 'REVISION', 'ALIASES', 'DESCRIPTION', 'PUBLISHED'],
            page.versions.map((v) => [v.version, v.revisionId, routing(v.version), v.description || null, time(v.createdAt)]),
          )
        : `${name}: no published versions (hangar workflow publish ${name})`,
    );
    if (page.nextCursor) note(`more versions: hangar workflow versions ${name} --cursor ${page.nextCursor}`);
  });

  const alias = wf.command('alias').description("Aliases: names that route a state machine's starts to one or two versions by weight");
  clientOptions(
    alias
      .command('create')
      .description('Create an alias: --route VERSION=WEIGHT once (or twice, weights summing to 100)')
      .argument('<name>', 'the state machine')
      .argument('<alias>')
      .requiredOption('--route <version=weight>', 'a version and its percentage of the starts; repeat for a second version', routeArg)
      .option('--description <text>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, aliasName: string, flags: AliasFlags) => {
    const a = await clientFor(flags).machineVersions.createAlias(
      name,
      { name: aliasName, routing: flags.route ?? [], description: flags.description },
      flags.user,
    );
    if (flags.json) return printJson(a);
    print(aliasText(name, a, 'created'));
  });

  clientOptions(
    alias
      .command('update')
      .description("Change an alias's routing (--route, as create takes it) or description")
      .argument('<name>', 'the state machine')
      .argument('<alias>')
      .option('--route <version=weight>', 'a version and its percentage of the starts; repeat for a second version', routeArg)
      .option('--description <text>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, aliasName: string, flags: AliasFlags, cmd: Command) => {
    if (flags.route === undefined && flags.description === undefined) cmd.error('error: give --route or --description (or both)');
    const a = await clientFor(flags).machineVersions.updateAlias(
      name,
      aliasName,
      {
        ...(flags.route !== undefined ? { routing: flags.route } : {}),
        ...(flags.description !== undefined ? { description: flags.description } : {}),
      },
      flags.user,
    );
    if (flags.json) return printJson(a);
    print(aliasText(name, a, 'updated'));
  });

  clientOptions(
    alias
      .command('list')
      .description("A state machine's aliases by name, with their routing")
      .argument('<name>', 'the state machine')
      .option('--version <n>', 'only those routing to this version', int)
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, flags: UserFlags & { version?: number }) => {
    const page = await clientFor(flags).machineVersions.aliases(name, { userId: flags.user, version: flags.version, limit: 100 });
    if (flags.json) return printJson(page);
    print(
      page.aliases.length > 0
        ? table(
            ['ALIAS', 'ROUTING', 'DESCRIPTION', 'UPDATED'],
            page.aliases.map((a) => [a.name, routingText(a.routing), a.description || null, time(a.updatedAt)]),
          )
        : `${name}: no aliases (hangar workflow alias create ${name} <alias> --route <version>=100)`,
    );
  });

  clientOptions(
    alias
      .command('rm')
      .description('Delete an alias (the versions it routed to stay)')
      .argument('<name>', 'the state machine')
      .argument('<alias>')
      .option('--user <id>', 'admin keys: whose state machine'),
  ).action(async (name: string, aliasName: string, flags: UserFlags) => {
    const r = await clientFor(flags).machineVersions.deleteAlias(name, aliasName, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}:${aliasName}: deleted`);
  });
}

/** `NAME`, `NAME:N` (a version) or `NAME:ALIAS`, as a start names what it runs. Names hold no ':'. */
export function machineQualifier(arg: string): { machine: string; version?: number; alias?: string } {
  const i = arg.indexOf(':');
  if (i < 0) return { machine: arg };
  const machine = arg.slice(0, i);
  const q = arg.slice(i + 1);
  return /^\d+$/.test(q) ? { machine, version: Number(q) } : { machine, alias: q };
}
