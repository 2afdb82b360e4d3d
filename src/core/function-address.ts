/**
 * The address a worker host advertises for its function port (scale-out: API nodes read it from
 * function_hosts and call it). HANGAR_FUNCTION_ADDRESS gives it as a base URL
 * (`http://10.0.0.5:8091`, for a proxy in front) or as a host with an optional port (`10.0.0.5`,
 * `worker-3.internal:8091`, `[fd00::5]`): without a port, the port listened on, which the URL
 * form cannot say when HANGAR_FUNCTION_PORT is 0 (any free port). Unset: the bind address
 * (HANGAR_HOST), a wildcard as this machine's name.
 */

/** What a HANGAR_FUNCTION_ADDRESS may be, for the refusal of one that is not. */
export const FUNCTION_ADDRESS_FORMS =
  'a base URL (http://10.0.0.5:8091) or a host with an optional port (10.0.0.5, worker-3.internal:8091)';

export function isFunctionAddress(text: string): boolean {
  return parse(text) !== null;
}

/** The base URL API nodes should call: the setting's, else made of where it listens. */
export function advertisedFunctionAddress(setting: string | undefined, bindHost: string, port: number, machineName: string): string {
  const given = setting === undefined ? null : parse(setting);
  if (given && 'url' in given) return given.url;
  if (given) return `http://${given.host}:${given.port ?? port}`;
  const name = bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '' ? machineName : bindHost;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/** Whether API nodes on other machines cannot reach `address` (a base URL): it is loopback. */
export function isLoopbackAddress(address: string): boolean {
  let host: string;
  try {
    host = new URL(address).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '::1' ||
    /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(host)
  );
}

function parse(text: string): { url: string } | { host: string; port: number | null } | null {
  const t = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    try {
      const u = new URL(t);
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username) return null;
      return { url: u.href.replace(/\/+$/, '') };
    } catch {
      return null;
    }
  }
  // A host (a name, an IPv4 address or a bracketed IPv6 one) and an optional port, written out
  // (URL drops a scheme's default port, and 80 is a port like any other here).
  const m = /^(\[[^\]]+\]|[^:[\]/?#@]+)(?::(\d{1,5}))?$/.exec(t);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  try {
    return { host: new URL(`http://${m[1]}`).hostname, port };
  } catch {
    return null;
  }
}
