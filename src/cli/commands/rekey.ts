/** `hangar rekey`: re-seal every sealed value under the current secrets master key (app/rekey.ts). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Config } from '../../config/index.ts';
import type { RekeyReport } from '../../app/index.ts';
import type { SealedKind } from '../../store/index.ts';
import { table } from '../render.ts';
import { int, note, print, printJson } from './common.ts';

type ConfigFrom = (flags: Record<string, unknown>) => Config;

/** Rows read and re-sealed at once: each batch is one short write (a few ms of locks). */
const BATCH = 500;

const KINDS: Record<SealedKind, string> = {
  secret: 'secrets',
  'api-key': 'API keys (their sealed copies, for SigV4)',
  'function-environment': "functions' environment variables",
  'function-version-environment': "function versions' environment variables",
};

function report(r: RekeyReport): string {
  const rows = (Object.keys(KINDS) as SealedKind[]).map((k) => {
    const c = r.kinds[k];
    return [KINDS[k], String(c.resealed), String(c.current), String(c.changed), String(c.failed)];
  });
  rows.push(['the key check', r.keyCheck === 'resealed' ? '1' : '0', r.keyCheck === 'current' ? '1' : '0', '0', '0']);
  return table(['KIND', 'RESEALED', 'ALREADY CURRENT', 'CHANGED MEANWHILE', 'NOT OPENED'], rows);
}

export function rekeyCommand(program: Command, config: ConfigFrom, withServerOptions: (c: Command) => Command): void {
  withServerOptions(
    program
      .command('rekey')
      .description(
        "Re-seal every sealed value (secrets, API keys, functions' environment variables) under the current secrets master key, opening them with the previous keys (HANGAR_SECRETS_PREVIOUS_KEYS): idempotent, in batches, safe to interrupt and run again",
      ),
  )
    .option('--batch-size <n>', `rows per batch (default ${BATCH})`, int)
    .option('--json', 'print the counts as JSON')
    .action(async (flags: Record<string, unknown>) => {
      const { json, batchSize, ...rest } = flags;
      if (batchSize !== undefined && (batchSize as number) < 1) {
        note('--batch-size must be 1 or more');
        process.exit(2);
      }
      const cfg = config(rest);
      const { openSecrets, openStore } = await import('../../runtime/index.ts');
      const { rekey, rekeyDone } = await import('../../app/index.ts');
      const secrets = await openSecrets(cfg, resolve(cfg.dataDir));
      const store = await openStore(cfg, secrets);
      try {
        const r = await rekey(store, secrets, { batchSize: typeof batchSize === 'number' ? batchSize : BATCH });
        const done = rekeyDone(r);
        if (json) printJson({ ...r, done });
        else {
          print(report(r));
          if (r.plainSealed > 0) print(`sealed ${r.plainSealed} functions' environments kept plain since before sealing`);
          for (const f of r.failures) note(`not opened by any key of the keyring: ${f.kind} ${f.name} of ${JSON.stringify(f.userId)}`);
          print(
            done
              ? `every sealed value is under the current key (${r.keyId}): the previous keys (HANGAR_SECRETS_PREVIOUS_KEYS) can be dropped`
              : `some values are not under the current key (${r.keyId}): ${r.failures.length > 0 ? 'give the keys that sealed them in HANGAR_SECRETS_PREVIOUS_KEYS and ' : ''}run hangar rekey again; keep the previous keys until it says they can go`,
          );
        }
        if (!done) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
