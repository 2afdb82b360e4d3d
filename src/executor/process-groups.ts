/**
 * The process groups of running attempts. Every attempt's process is started in a session of its
 * own (spawner.ts), so its pid is its group's id and the whole tree is signalled as one.
 */

/** Process groups alive anywhere in this process, killed if the process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const g of liveGroups) killGroup(g, 'SIGKILL');
    });
  }
}

export function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is gone already. EPERM: not ours to signal (cannot happen for our setsid children).
  }
}

/** Its attempt is over: the group is no longer killed when this process exits. */
export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}
