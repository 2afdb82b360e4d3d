/** `hangar layer publish|list|versions|get|rm|grant|revoke|policy`: Lambda layers through /layers
 *  (src/api/routes/layers.ts). A function names them in its Layers (the Lambda API) or its
 *  deploy's `layers`; grant shares one version with another account (its 12-digit id) or `*`. */
import type { Command } from 'commander';
import type { LayerVersionInfo } from '../client/index.ts';
import { bytes, fields, table, time } from '../render.ts';
import { type ClientFlags, clientFor, clientOptions, int, listOf, print, printJson } from './common.ts';
import { zipFrom } from './functions.ts';

type UserFlags = ClientFlags & { user?: string };

const versionFields = (v: LayerVersionInfo) =>
  fields([
    ['layer', v.name],
    ['user', v.userId],
    ['version', v.version],
    ['description', v.description || null],
    ['runtimes', v.compatibleRuntimes.join(' ') || null],
    ['architectures', v.compatibleArchitectures.join(' ') || null],
    ['license', v.licenseInfo],
    ['content', `${bytes(v.code.size)} sha256 ${v.code.sha256}`],
    ['content url', v.code.url],
    ['created', time(v.createdAt)],
  ]);

const versionRows = (vs: LayerVersionInfo[]) =>
  table(
    ['LAYER', 'VERSION', 'RUNTIMES', 'SIZE', 'CREATED', 'DESCRIPTION'],
    vs.map((v) => [v.name, v.version, v.compatibleRuntimes.join(' '), bytes(v.code.size), time(v.createdAt), v.description]),
  );

export function layerCommands(program: Command): void {
  const layer = program
    .command('layer')
    .description("Lambda layers: numbered versions of shared content a function's handler finds at /opt");
  const versionArgs = (cmd: Command) => cmd.argument('<name>').argument('<version>', 'the version number', int);

  clientOptions(
    layer
      .command('publish')
      .description("Publish a layer's next version (1 for a new layer) from a zip or a directory")
      .argument('<name>')
      .option('--zip <file>', 'the content: a zip file')
      .option('--dir <dir>', 'the content: a directory, zipped with its files’ modes')
      .option('--runtime <id>', 'a compatible runtime, e.g. nodejs22.x (repeatable)', listOf)
      .option('--architecture <arch>', 'a compatible architecture, x86_64 or arm64 (repeatable)', listOf)
      .option('--description <text>')
      .option('--license <text>', 'license information (an SPDX id, a URL or text)')
      .option('--user <id>', 'admin keys: whose layer'),
  ).action(
    async (
      name: string,
      flags: UserFlags & {
        zip?: string;
        dir?: string;
        runtime?: string[];
        architecture?: string[];
        description?: string;
        license?: string;
      },
      cmd: Command,
    ) => {
      if ((flags.zip === undefined) === (flags.dir === undefined))
        cmd.error('error: give the content as --zip FILE or --dir DIR (one of them)');
      const v = await clientFor(flags).layers.publish(
        name,
        await zipFrom(flags, cmd),
        {
          description: flags.description,
          compatibleRuntimes: flags.runtime,
          compatibleArchitectures: flags.architecture,
          licenseInfo: flags.license,
        },
        flags.user,
      );
      if (flags.json) return printJson(v);
      print(`${v.name}: version ${v.version} published (${bytes(v.code.size)})`);
    },
  );

  clientOptions(
    layer.command('list').description('Layers, each at its latest version').option('--user <id>', "admin keys: this user's"),
  ).action(async (flags: UserFlags) => {
    const vs = await clientFor(flags).layers.list(flags.user);
    if (flags.json) return printJson({ layers: vs });
    print(vs.length > 0 ? versionRows(vs) : 'no layers (hangar layer publish <name> --zip FILE)');
  });

  clientOptions(
    layer
      .command('versions')
      .description("A layer's versions, newest first")
      .argument('<name>')
      .option('--user <id>', 'admin keys: whose layer'),
  ).action(async (name: string, flags: UserFlags) => {
    const vs = await clientFor(flags).layers.versions(name, flags.user);
    if (flags.json) return printJson({ versions: vs });
    print(versionRows(vs));
  });

  clientOptions(
    versionArgs(layer.command('get').description('A layer version')).option(
      '--user <id>',
      "whose layer: admin keys, or the owner's user id of a version shared with this key's account",
    ),
  ).action(async (name: string, version: number, flags: UserFlags) => {
    const v = await clientFor(flags).layers.get(name, version, flags.user);
    if (flags.json) return printJson(v);
    print(versionFields(v));
  });

  clientOptions(
    versionArgs(
      layer.command('rm').description('Delete a layer version (functions using it keep it; its number is never given again)'),
    ).option('--user <id>', 'admin keys: whose layer'),
  ).action(async (name: string, version: number, flags: UserFlags) => {
    const r = await clientFor(flags).layers.delete(name, version, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}:${version}: deleted`);
  });

  clientOptions(
    versionArgs(layer.command('grant').description('Share a layer version with an account (its 12-digit id) or every account (*)'))
      .argument('<principal>', 'a 12-digit account id, or *')
      .option('--sid <id>', 'the statement id (default: the account id, or "all" for *)')
      .option('--user <id>', 'admin keys: whose layer'),
  ).action(async (name: string, version: number, principal: string, flags: UserFlags & { sid?: string }) => {
    const sid = flags.sid ?? (principal === '*' ? 'all' : principal);
    const r = await clientFor(flags).layers.grant(name, version, sid, principal, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}:${version}: shared with ${principal} (statement ${sid})`);
  });

  clientOptions(
    versionArgs(
      layer.command('revoke').description('Stop sharing a layer version: remove a statement (functions already using it keep it)'),
    )
      .argument('<sid>', 'the statement id (hangar layer policy)')
      .option('--user <id>', 'admin keys: whose layer'),
  ).action(async (name: string, version: number, sid: string, flags: UserFlags) => {
    const r = await clientFor(flags).layers.revoke(name, version, sid, flags.user);
    if (flags.json) return printJson(r);
    print(`${name}:${version}: statement ${sid} removed`);
  });

  clientOptions(
    versionArgs(layer.command('policy').description('Who a layer version is shared with')).option('--user <id>', 'admin keys: whose layer'),
  ).action(async (name: string, version: number, flags: UserFlags) => {
    const r = await clientFor(flags).layers.policy(name, version, flags.user);
    if (flags.json) return printJson(r);
    const principal = (p: unknown) => (typeof p === 'string' ? p : String((p as { AWS?: string }).AWS ?? JSON.stringify(p)));
    print(
      table(
        ['SID', 'PRINCIPAL', 'ACTION'],
        r.policy.Statement.map((st) => [String(st.Sid), principal(st.Principal), String(st.Action)]),
      ),
    );
  });
}
