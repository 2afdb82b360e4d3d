/** `hangar function breaker NAME [--threshold N --window S --cooldown S [--probes N] | --off]`
 *  (docs/cli.md): a function's circuit breaker over /functions/{name}/circuit-breaker
 *  (api/routes/function-circuit-breaker.ts). With no option: its configuration and state. */
import type { Command } from 'commander';
import type { CircuitBreakerInfo } from '../client/index.ts';
import { fields, time } from '../render.ts';
import { clientFor, clientOptions, int, print, printJson, type ClientFlags } from './common.ts';

type Flags = ClientFlags & { user?: string; threshold?: number; window?: number; cooldown?: number; probes?: number; off?: boolean };

const breakerFields = (b: CircuitBreakerInfo) =>
  fields([
    ['function', b.name],
    ['state', b.state],
    ['threshold', `${b.failureThreshold} failures in ${b.windowSeconds} s`],
    ['cooldown', `${b.cooldownSeconds} s`],
    ['probes', b.probes],
    ['failures', b.failuresInWindow],
    ['opened', time(b.openedAt)],
    ['next probe', time(b.nextProbeAt)],
  ]);

export function functionCircuitBreakerCommand(fn: Command): void {
  clientOptions(
    fn
      .command('breaker')
      .description(
        "A function's circuit breaker: N failures within a window open it, invocations then fail fast until a probe after the cooldown succeeds. No option: show it",
      )
      .argument('<name>', 'the function')
      .option('--threshold <n>', 'failures within the window that open it (1-1000)', int)
      .option('--window <s>', 'the window failures are counted in, seconds (1-86400)', int)
      .option('--cooldown <s>', 'seconds it stays open before a probe (1-86400)', int)
      .option('--probes <n>', 'probes at once while half-open (1-100, default 1)', int)
      .option('--off', 'remove the breaker')
      .option('--user <id>', 'admin keys: whose function'),
  ).action(async (name: string, flags: Flags, cmd: Command) => {
    const client = clientFor(flags).breakers;
    const setting =
      flags.threshold !== undefined || flags.window !== undefined || flags.cooldown !== undefined || flags.probes !== undefined;
    if (flags.off && setting) cmd.error('error: --off takes no other breaker option');
    if (flags.off) {
      const r = await client.delete(name, flags.user);
      return flags.json ? printJson(r) : print(`${name}: circuit breaker removed`);
    }
    if (setting) {
      if (flags.threshold === undefined || flags.window === undefined || flags.cooldown === undefined)
        cmd.error('error: a breaker needs --threshold, --window and --cooldown');
      const b = await client.put(
        name,
        {
          failureThreshold: flags.threshold!,
          windowSeconds: flags.window!,
          cooldownSeconds: flags.cooldown!,
          ...(flags.probes === undefined ? {} : { probes: flags.probes }),
        },
        flags.user,
      );
      return flags.json
        ? printJson(b)
        : print(
            `${name}: circuit breaker on: opens at ${b.failureThreshold} failures in ${b.windowSeconds} s, probes after ${b.cooldownSeconds} s`,
          );
    }
    const b = await client.get(name, flags.user);
    return flags.json ? printJson(b) : print(breakerFields(b));
  });
}
