/** `hangar function provisioned put|get|list|delete` (docs/cli.md): instances of a published version
 *  kept started and warm, over /functions/{name}/provisioned-concurrency (api/routes/function-provisioned.ts). */
import type { Command } from 'commander';
import type { ProvisionedConfigInfo } from '../client/index.ts';
import { fields, table, time } from '../render.ts';
import { clientFor, clientOptions, int, note, print, printJson, type ClientFlags } from './common.ts';

type Flags = ClientFlags & { user?: string; qualifier: string };

const configFields = (c: ProvisionedConfigInfo) =>
  fields([
    ['function', c.name],
    ['qualifier', c.qualifier],
    ['requested', c.requested],
    ['allocated', c.allocated],
    ['status', c.status],
    ['reason', c.statusReason],
    ['modified', time(c.lastModified)],
  ]);

export function functionProvisionedCommands(fn: Command): void {
  const provisioned = fn
    .command('provisioned')
    .description('Provisioned concurrency: instances of a published version (or an alias) kept started and warm');
  const command = (name: string, description: string, qualified = true) => {
    const cmd = provisioned.command(name).description(description).argument('<name>', 'the function');
    if (qualified) cmd.requiredOption('--qualifier <q>', 'a published version number or an alias ($LATEST is refused)');
    return clientOptions(cmd.option('--user <id>', 'admin keys: whose function'));
  };

  command('put', 'Keep N instances of a version or alias started (replaces its count); READY once all are')
    .requiredOption('--count <n>', 'instances to keep (1-100, within the reserved concurrency)', int)
    .action(async (name: string, flags: Flags & { count: number }) => {
      const c = await clientFor(flags).provisioned.put(name, flags.qualifier, flags.count, flags.user);
      if (flags.json) return printJson(c);
      print(`${name}:${c.qualifier}: provisioned concurrency ${c.requested} (${c.allocated} started, ${c.status})`);
      if (c.statusReason) note(c.statusReason);
    });

  command('get', 'One configuration: instances asked for, started, and its status').action(async (name: string, flags: Flags) => {
    // The native API lists a function's configurations; the one asked for is picked here.
    const { configs } = await clientFor(flags).provisioned.list(name, flags.user);
    const c = configs.find((c) => c.qualifier === flags.qualifier);
    if (!c) {
      note(`no provisioned concurrency for ${name}:${flags.qualifier}`);
      process.exitCode = 1;
      return;
    }
    if (flags.json) return printJson(c);
    print(configFields(c));
  });

  command('list', "The function's configurations, one per qualifier", false).action(async (name: string, flags: Flags) => {
    const page = await clientFor(flags).provisioned.list(name, flags.user);
    if (flags.json) return printJson(page);
    print(
      page.configs.length > 0
        ? table(
            ['QUALIFIER', 'REQUESTED', 'ALLOCATED', 'STATUS', 'MODIFIED'],
            page.configs.map((c) => [c.qualifier, c.requested, c.allocated, c.status, time(c.lastModified)]),
          )
        : `${name}: no provisioned concurrency (hangar function provisioned put ${name} --qualifier Q --count N)`,
    );
  });

  command('delete', 'Remove a configuration: its instances become ordinary idle ones, reaped in time')
    .alias('rm')
    .action(async (name: string, flags: Flags) => {
      const r = await clientFor(flags).provisioned.delete(name, flags.qualifier, flags.user);
      if (flags.json) return printJson(r);
      print(`${name}:${r.qualifier}: provisioned concurrency removed`);
    });
}
