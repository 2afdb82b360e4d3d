/**
 * A second "host" on this machine: a network namespace joined to the host by a veth pair
 * (iproute2), so that a worker in it reaches the host only over a link the test can cut.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetNs {
  name: string;
  /** The host's address on the link, as the namespace sees it. */
  hostAddress: string;
  /** Take the link down: packets are dropped, nothing is refused (a cut cable). */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function createNetNs(): Promise<NetNs> {
  const tag = randomBytes(3).toString('hex');
  const name = `hangar-${tag}`;
  const [hostIf, nsIf] = [`vh${tag}`, `vn${tag}`];
  const net = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}`;
  const ip = (...args: string[]) => run('ip', args);
  await ip('netns', 'add', name);
  try {
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', name);
    await ip('addr', 'add', `${net}.1/24`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', name, 'addr', 'add', `${net}.2/24`, 'dev', nsIf);
    await ip('-n', name, 'link', 'set', nsIf, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (err) {
    await ip('netns', 'del', name).catch(() => undefined);
    throw err;
  }
  return {
    name,
    hostAddress: `${net}.1`,
    cut: () => ip('link', 'set', hostIf, 'down').then(() => undefined),
    restore: () => ip('link', 'set', hostIf, 'up').then(() => undefined),
    async close() {
      await ip('netns', 'del', name).catch(() => undefined);
      await ip('link', 'del', hostIf).catch(() => undefined);
    },
  };
}

/** Why this host cannot make namespaces (no iproute2, not root), or false. */
export function netnsProblems(): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  return false;
}
