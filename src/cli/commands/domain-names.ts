/** `hangar domain-name create|list|get|rm` and `hangar domain-name map|mappings|unmap`
 *  (docs/http-routes.md#custom-domain-names): custom domain names of HTTP APIs over /domain-names. */
import type { Command } from 'commander';
import type { ApiMappingInfo } from '../client/index.ts';
import { fields, table, time } from '../render.ts';
import { clientFor, clientOptions, print, printJson, type ClientFlags } from './common.ts';

type UserFlags = ClientFlags & { user?: string };

const mappingRows = (ms: ApiMappingInfo[]) =>
  table(
    ['MAPPING', 'KEY', 'API', 'STAGE'],
    ms.map((m) => [m.apiMappingId, m.apiMappingKey === '' ? '(root)' : m.apiMappingKey, m.apiId, m.stage]),
  );

export function domainNameCommands(program: Command): void {
  const dn = program
    .command('domain-name')
    .description("Custom domain names: a host name of yours serving stages of your HTTP APIs (TLS: a proxy's in front)");
  const user = (c: Command) => c.option('--user <id>', 'admin keys: whose domain name');

  clientOptions(
    user(
      dn
        .command('create')
        .description('Create a domain name (api.example.com); requests whose Host is it go to its mappings')
        .argument('<domainName>')
        .option('--certificate-arn <arn>', 'kept and reported (the proxy in front holds the certificate)'),
    ),
  ).action(async (domainName: string, flags: UserFlags & { certificateArn?: string }) => {
    const d = await clientFor(flags).domainNames.create(
      { domainName, ...(flags.certificateArn ? { certificateArn: flags.certificateArn } : {}) },
      flags.user,
    );
    if (flags.json) return printJson(d);
    print(`${d.domainName}: created (map an API with hangar domain-name map ${d.domainName} <apiId>)`);
  });

  clientOptions(user(dn.command('list').description('Your domain names'))).action(async (flags: UserFlags) => {
    const { domainNames } = await clientFor(flags).domainNames.list(flags.user);
    if (flags.json) return printJson({ domainNames });
    print(
      domainNames.length > 0
        ? table(
            ['DOMAIN NAME', 'CERTIFICATE', 'CREATED'],
            domainNames.map((d) => [d.domainName, d.certificateArn ?? '-', time(d.createdAt)]),
          )
        : 'no domain names (hangar domain-name create <name>)',
    );
  });

  clientOptions(user(dn.command('get').description('A domain name and its mappings').argument('<domainName>'))).action(
    async (name: string, flags: UserFlags) => {
      const client = clientFor(flags);
      const d = await client.domainNames.get(name, flags.user);
      const { mappings } = await client.domainNames.mappings(name, flags.user);
      if (flags.json) return printJson({ ...d, mappings });
      const head = fields([
        ['domain name', d.domainName],
        ['user', d.userId],
        ['certificate', d.certificateArn],
        ['endpoint', `${d.endpointType} ${d.securityPolicy}`],
        ['created', time(d.createdAt)],
      ]);
      print(`${head}\n\n${mappings.length > 0 ? mappingRows(mappings) : `no mappings (hangar domain-name map ${d.domainName} <apiId>)`}`);
    },
  );

  clientOptions(user(dn.command('rm').description('Delete a domain name with its mappings').argument('<domainName>'))).action(
    async (name: string, flags: UserFlags) => {
      const r = await clientFor(flags).domainNames.delete(name, flags.user);
      if (flags.json) return printJson(r);
      print(`${r.domainName}: deleted`);
    },
  );

  clientOptions(
    user(
      dn
        .command('map')
        .description("Serve a stage of an HTTP API at a path of the domain (its key; none: the domain's root)")
        .argument('<domainName>')
        .argument('<apiId>')
        .option('--key <path>', 'the mapping key: v1, v1/orders (default: the root)')
        .option('--stage <name>', '$default (the default) or a named stage of the API'),
    ),
  ).action(async (name: string, apiId: string, flags: UserFlags & { key?: string; stage?: string }) => {
    const m = await clientFor(flags).domainNames.map(
      name,
      { apiId, ...(flags.key !== undefined ? { apiMappingKey: flags.key } : {}), ...(flags.stage ? { stage: flags.stage } : {}) },
      flags.user,
    );
    if (flags.json) return printJson(m);
    print(`${m.domainName}/${m.apiMappingKey}: ${m.apiId} (${m.stage}), mapping ${m.apiMappingId}`);
  });

  clientOptions(user(dn.command('mappings').description("A domain name's mappings").argument('<domainName>'))).action(
    async (name: string, flags: UserFlags) => {
      const { mappings } = await clientFor(flags).domainNames.mappings(name, flags.user);
      if (flags.json) return printJson({ mappings });
      print(mappings.length > 0 ? mappingRows(mappings) : 'no mappings');
    },
  );

  clientOptions(user(dn.command('unmap').description('Delete a mapping').argument('<domainName>').argument('<apiMappingId>'))).action(
    async (name: string, apiMappingId: string, flags: UserFlags) => {
      const r = await clientFor(flags).domainNames.unmap(name, apiMappingId, flags.user);
      if (flags.json) return printJson(r);
      print(`${apiMappingId}: deleted`);
    },
  );
}
