/**
 * The sandbox without bubblewrap, from util-linux alone (unshare, setpriv, pivot_root, mount):
 * the fallback for a root worker on a host where bwrap is not installed.
 *
 * The sandbox's layout is written once, as bwrap arguments (bwrap.ts); this module reads that
 * small vocabulary and renders the same sandbox as a root shell script run inside
 * `unshare --mount --pid --fork --ipc --uts --net --cgroup`: a tmpfs becomes the new root, the
 * same paths are bound into it (read-only where bwrap binds read-only), /proc of the new pid
 * namespace, a minimal /dev, loopback up; then pivot_root, the old root detached, the root
 * remounted read-only, and `setpriv` drops to the sandbox uid with no capabilities (bounding,
 * inheritable and ambient sets cleared) and no new privileges before exec'ing the task.
 *
 * Dies with its worker: setpriv --pdeathsig KILL makes the kernel kill unshare when the worker
 * dies, and unshare --kill-child kills the namespace's first process, which takes the whole pid
 * namespace with it. The task's cgroups hold everything in any case.
 */

export interface UnshareOptions {
  uid: number;
  gid: number;
}

/** Where, in the private mount namespace, the new root is assembled. */
const NEW_ROOT = '/run/hangar-ns-root';

/** Device nodes bound from the host into the sandbox's /dev (as bwrap --dev makes them). */
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The argv (run as root, after the cgroup join and the open-files limit) that sets up the sandbox described
 * by `bwrapArgs` (starting with 'bwrap', ending with '--' and the task's argv) and runs the task.
 */
export function unshareArgv(bwrapArgs: string[], o: UnshareOptions): string[] {
  if (bwrapArgs[0] !== 'bwrap') throw new Error('expected a bwrap command line');
  // Every command here is a process start (milliseconds each on a small VM): directories are
  // made in one mkdir, read-only binds in one mount each, files by the shell itself.
  const dirs: string[] = [];
  const steps: string[] = [];
  const env: [string, string][] = [];
  let chdir = '/';
  let size: string | null = null;
  let perms: string | null = null;
  let remountRo = false;
  let hostname: string | null = null;
  let i = 1;
  const next = () => {
    const v = bwrapArgs[++i];
    if (v === undefined) throw new Error(`bwrap argument ${bwrapArgs[i - 1]} needs a value`);
    return v;
  };
  const target = (dst: string) => `"$R"${q(dst)}`;
  const parent = (dst: string) => dst.slice(0, dst.lastIndexOf('/')) || '/';
  for (; i < bwrapArgs.length; i++) {
    const a = bwrapArgs[i];
    if (a === '--') break;
    switch (a) {
      case '--unshare-all':
      case '--die-with-parent':
      case '--new-session':
      case '--clearenv':
        break; // What unshare, --pdeathsig, the worker's own session and `env -i` below provide.
      case '--cap-drop':
        if (next() !== 'ALL') throw new Error('only --cap-drop ALL is supported');
        break;
      case '--ro-bind':
      case '--bind': {
        const src = next();
        const dst = next();
        dirs.push(parent(dst));
        steps.push(
          // A file bound over one the root already has (/etc/passwd in the read-only /etc) needs
          // no mount point made: creating it would fail on the read-only bind.
          `if [ -d ${q(src)} ]; then mkdir -p ${target(dst)}; elif [ ! -e ${target(dst)} ]; then : > ${target(dst)}; fi`,
          `mount -o ${a === '--ro-bind' ? 'bind,ro,nosuid,nodev' : 'bind,nosuid,nodev'} ${q(src)} ${target(dst)}`,
        );
        break;
      }
      case '--symlink': {
        const to = next();
        const link = next();
        dirs.push(parent(link));
        steps.push(`ln -s ${q(to)} ${target(link)}`);
        break;
      }
      case '--size':
        size = next();
        break;
      case '--perms':
        perms = next();
        break;
      case '--tmpfs': {
        const dst = next();
        dirs.push(dst);
        // --perms makes it the sandbox user's own (bwrap's tmpfs belongs to the user it runs as).
        const opts = perms ? `mode=${perms},uid=${o.uid},gid=${o.gid}` : 'mode=1777';
        steps.push(`mount -t tmpfs -o ${opts},nosuid,nodev${size ? `,size=${size}` : ''} tmpfs ${target(dst)}`);
        size = null;
        perms = null;
        break;
      }
      case '--proc': {
        const dst = next();
        dirs.push(dst);
        steps.push(`mount -t proc -o nosuid,nodev,noexec proc ${target(dst)}`);
        break;
      }
      case '--dev': {
        const dst = next();
        const d = (x: string) => target(`${dst}/${x}`);
        dirs.push(dst);
        steps.push(
          `mount -t tmpfs -o mode=0755,nosuid,size=64k hangar-dev ${target(dst)}`,
          `mkdir ${d('shm')} ${d('pts')}`,
          `mount -t tmpfs -o mode=1777,nosuid,nodev,size=1m shm ${d('shm')}`,
          ...DEVICES.map((x) => `if [ -e /dev/${x} ]; then : > ${d(x)}; mount --bind /dev/${x} ${d(x)}; fi`),
          `ln -s /proc/self/fd ${d('fd')}`,
          ...['stdin', 'stdout', 'stderr'].map((x, fd) => `ln -s /proc/self/fd/${fd} ${d(x)}`),
        );
        break;
      }
      case '--chdir':
        chdir = next();
        break;
      case '--hostname':
        hostname = next();
        break;
      case '--setenv':
        env.push([next(), next()]);
        break;
      case '--remount-ro':
        if (next() !== '/') throw new Error('only --remount-ro / is supported');
        remountRo = true;
        break;
      default:
        throw new Error(`bwrap argument ${a} has no util-linux rendering`);
    }
  }
  const command = bwrapArgs.slice(i + 1);
  if (command.length === 0) throw new Error('no command after --');
  const lines = [
    'set -e',
    'export PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `R=${q(NEW_ROOT)}`,
    'mkdir -p "$R"',
    'mount -t tmpfs -o mode=0755,size=1m hangar-root "$R"',
    `mkdir -p ${[...new Set(dirs)].map(target).join(' ')} "$R/.oldroot"`,
    ...steps,
    // Loopback up, as bwrap does (the egress forwarder listens on it); `ip` is iproute2's.
    'if command -v ip >/dev/null; then ip link set lo up; fi',
    ...(hostname ? [`hostname ${q(hostname)}`] : []),
    'cd "$R"',
    'pivot_root . .oldroot',
    'umount -l /.oldroot',
    'rmdir /.oldroot',
    ...(remountRo ? ['mount -o remount,bind,ro /'] : []),
    `cd ${q(chdir)}`,
    // Drop to the sandbox uid: no capabilities in any set, no new privileges, a clean environment.
    // A uid change clears the parent-death signal unshare --kill-child set: set it again.
    `exec setpriv --reuid=${o.uid} --regid=${o.gid} --clear-groups --no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all --pdeathsig KILL -- ` +
      `env -i ${env.map(([k, v]) => q(`${k}=${v}`)).join(' ')} "$@"`,
  ];
  return [
    'setpriv',
    '--pdeathsig',
    'KILL',
    '--',
    'unshare',
    '--mount',
    '--pid',
    '--fork',
    '--kill-child=KILL',
    '--ipc',
    '--uts',
    '--net',
    '--cgroup',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    lines.join('\n'),
    'hangar-sandbox',
    ...command,
  ];
}
