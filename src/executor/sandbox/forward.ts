/**
 * What runs in front of a sandbox's program when it reaches host unix sockets on its own
 * loopback (the egress proxy, a `provided` function's Runtime API): each socket listened for on
 * 127.0.0.1:<port> inside, then the program, with the same stdin, stdout, stderr and fd 3 (the
 * built-in workloads' result pipe), its exit code and signals its own.
 *
 * socat where the host has it: a C forwarder that starts in a few milliseconds (~10 ms of CPU
 * per start measured on a loaded 2-vCPU guest, where `node -e 0` took ~100 ms) and holds
 * ~0.6 MB of anonymous memory. The Node forwarder (workloads/egress-forward.ts, the fallback)
 * spends its start inside the task's CPU quota (a quarter core by default, so it often waits
 * out a 250 ms period) and ~15 MB of its memory limit. Measured (bench/sandbox.ts, n=20):
 * /bin/true with network egress 530 → 51 ms p50; an idle 128 MB function instance with egress
 * 33 → 18 MB of cgroup memory (Node runtime), 19 → 4.6 MB (`provided`, a shell bootstrap).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Forward {
  /** The socket as it appears inside the sandbox. */
  socket: string;
  port: number;
}

/** Where socat may be on the host, in the sandbox's PATH order. Both are under /usr, which the
 *  host root binds; a /bin/socat of a host without merged /usr would not be visible inside. */
const SOCAT_PATHS = ['/usr/local/bin/socat', '/usr/bin/socat'];

let socatSeen: { path: string | null } | undefined;

/** The host's socat, or null: the sandbox runs the Node forwarder then. Asked once per process
 *  (a run of `socat -V`, to know it works, not only that it is there). */
export function findSocat(): string | null {
  socatSeen ??= { path: SOCAT_PATHS.find((p) => spawnSync(p, ['-V'], { stdio: 'ignore' }).status === 0) ?? null };
  return socatSeen.path;
}

/**
 * Run by dash inside the sandbox as the task's uid:
 *   sh -c SOCAT_WRAPPER hangar-forward <socat> <socket> <port> <key> [<socket> <port> <key>…] -- <program> [args…]
 * where <key> is the listener's local address as /proc/net/tcp spells it (0100007F:<PORT HEX>).
 * Each socat starts in a command substitution's subshell, so it is reparented away from the
 * program (to bwrap's init; in the util-linux fallback the program itself is the namespace's
 * init, as it is there without forwards), and with no fd of the task's: a program waiting for
 * its stdout or fd 3 to close is not held by the forwarder. Its log goes nowhere, so a client's
 * reset is not an error line on the task's stderr. The shell then waits, reading /proc/net/tcp
 * with builtins (no process start; socat is listening within milliseconds), until every port
 * listens (state 0A), so a program's first connect succeeds; a socat that ends before
 * listening (its /proc entry gone, or a zombie: in the fallback nobody reaps it) fails the
 * start with 125, as a launch failure does. Then exec: the program takes the shell's place.
 */
const SOCAT_WRAPPER = `socat=$1; shift
keys= procs= n=0
while [ "$1" != -- ]; do
  pid=$("$socat" -lf /dev/null TCP-LISTEN:"$2",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$1" </dev/null >/dev/null 2>&1 3>&- & echo $!)
  keys="$keys $3 " procs="$procs $pid:$2" n=$((n + 1))
  shift 3
done
shift
while :; do
  up=0
  while read -r _ addr _ st _; do
    if [ "$st" = 0A ]; then case "$keys" in *" $addr "*) up=$((up + 1)) ;; esac; fi
  done < /proc/net/tcp
  [ "$up" -ge "$n" ] && break
  for p in $procs; do
    s=
    { read -r _ _ s _ < /proc/"\${p%%:*}"/stat; } 2>/dev/null
    if [ -z "$s" ] || [ "$s" = Z ]; then
      echo "hangar: the forwarder (socat) for 127.0.0.1:\${p#*:} ended before listening" >&2
      exit 125
    fi
  done
done
exec "$@"`;

/**
 * The sandbox's argv with the forwarder in front of `inside`: socat through SOCAT_WRAPPER when
 * `socat` (its path) is given, else the Node forwarder `node` (its argv inside the sandbox).
 */
export function forwardedArgv(forwards: Forward[], inside: string[], o: { socat: string | null; node: string[] }): string[] {
  if (o.socat) {
    const triples = forwards.flatMap((f) => [f.socket, String(f.port), `0100007F:${f.port.toString(16).toUpperCase().padStart(4, '0')}`]);
    return ['/bin/sh', '-c', SOCAT_WRAPPER, 'hangar-forward', o.socat, ...triples, '--', ...inside];
  }
  return [...o.node, ...forwards.flatMap((f) => [f.socket, String(f.port)]), '--', ...inside];
}

let loaderSeen: { loader: string; libDir: string } | null | undefined;

/**
 * The host's dynamic loader (the ELF interpreter of Hangar's Node) and the directory holding it
 * and the C libraries beside it (Debian's /usr/lib/<triplet>, Fedora's /usr/lib64), or null if
 * it cannot be read. An image's root has neither the host's libraries nor Hangar's Node: the
 * forwarder in front of an image's program runs as `<loader> --library-path <dir> <node> …`,
 * with that directory bound read-only beside Hangar's Node, so it links against the host's
 * libraries whatever the image holds, and the program it starts sees only the image's.
 */
export function hostLoader(): { loader: string; libDir: string } | null {
  if (loaderSeen !== undefined) return loaderSeen;
  loaderSeen = null;
  try {
    const head = Buffer.alloc(64 * 1024);
    const fd = openSync(process.execPath, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    // ELF64, little-endian: the program headers, for PT_INTERP (3).
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return null;
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    for (let i = 0; i < head.readUInt16LE(0x38); i++) {
      const at = phoff + i * phentsize;
      if (at + 0x28 > head.length || head.readUInt32LE(at) !== 3) continue;
      const offset = Number(head.readBigUInt64LE(at + 8));
      const size = Number(head.readBigUInt64LE(at + 0x20));
      const interp = head
        .subarray(offset, offset + size)
        .toString('latin1')
        .replace(/\0.*$/s, '');
      const loader = realpathSync(interp);
      loaderSeen = { loader, libDir: dirname(loader) };
      break;
    }
  } catch {
    loaderSeen = null;
  }
  return loaderSeen;
}
