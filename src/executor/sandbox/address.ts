/**
 * What an egress destination really is, whatever its spelling. The guard (egress.ts) decides on
 * the address this file reads out of a host, never on the text: a URL, a CONNECT line or a
 * resolver may write one address many ways (127.0.0.1, 127.1, 2130706433, 0x7f.1, 0177.0.0.1,
 * [::ffff:7f00:1], [::ffff:0:7f00:1], [64:ff9b::7f00:1], fe80::1%eth0), and a check that knows one
 * spelling and misses another is an open door. Built on Node's `net.isIPv6` (the syntax) and
 * `net.BlockList` (prefix matching); the decoding of embedded IPv4 addresses is ours.
 */
import { BlockList, isIPv6 } from 'node:net';

/** A host as written: an IP address (4 or 16 bytes), a name to resolve, or text that is neither. */
export type Host = { kind: 'address'; bytes: Uint8Array } | { kind: 'name'; name: string } | { kind: 'unreadable'; why: string };

/**
 * Reads a host: with or without brackets, any case, an IPv6 zone id (dropped: it only scopes
 * link-local addresses, which are refused anyway), one trailing dot, and the IPv4 numbers URL
 * and inet_aton accept (1 to 4 parts, each decimal, octal `0…` or hex `0x…`: 127.1, 2130706433).
 */
export function parseHost(text: string): Host {
  let h = text.toLowerCase();
  const bracketed = h.startsWith('[');
  if (bracketed) {
    if (!h.endsWith(']')) return { kind: 'unreadable', why: 'unbalanced brackets' };
    h = h.slice(1, -1);
  }
  if (bracketed || h.includes(':')) {
    const zone = h.indexOf('%');
    if (zone >= 0) {
      if (!/^[a-z0-9_.-]+$/.test(h.slice(zone + 1))) return { kind: 'unreadable', why: 'bad zone id' };
      h = h.slice(0, zone);
    }
    const bytes = isIPv6(h) ? ipv6Bytes(h) : null;
    return bytes ? { kind: 'address', bytes } : { kind: 'unreadable', why: 'not an IPv6 address' };
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  const labels = h.split('.');
  // As in URL's host parser: a host whose last label is a number is an IPv4 address or nothing.
  // No top-level domain is numeric, and a resolver would read it as an address too.
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1])) {
    const bytes = ipv4Bytes(labels);
    return bytes ? { kind: 'address', bytes } : { kind: 'unreadable', why: 'not an IPv4 address' };
  }
  if (h.length > 253 || !labels.every((l) => /^[a-z0-9_-]{1,63}$/.test(l))) return { kind: 'unreadable', why: 'not a host name' };
  return { kind: 'name', name: h };
}

/** inet_aton's forms: all parts but the last are one byte, the last fills the bytes left. */
function ipv4Bytes(parts: string[]): Uint8Array | null {
  if (parts.length > 4) return null;
  const nums = parts.map((p) => {
    if (/^0x[0-9a-f]*$/.test(p)) return p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    if (/^0[0-7]+$/.test(p)) return parseInt(p, 8);
    if (/^(0|[1-9]\d*)$/.test(p)) return parseInt(p, 10);
    return NaN; // empty, 09, 1e3, …
  });
  const last = nums.length - 1;
  if (nums.some((n, i) => !(n <= (i < last ? 255 : 256 ** (4 - last) - 1)))) return null;
  let value = nums[last];
  for (let i = 0; i < last; i++) value += nums[i] * 256 ** (3 - i);
  return Uint8Array.of(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/** 16 bytes of an address `net.isIPv6` accepted (no zone id). */
function ipv6Bytes(text: string): Uint8Array | null {
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = text.split('::');
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const zeros = 8 - h.length - t.length;
  if (tail === undefined ? zeros !== 0 : zeros < 1) return null;
  const all = [...h, ...new Array<number>(zeros).fill(0), ...t];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 255;
  });
  return bytes;
}

/** Where a connection to an address goes, and why it may not (null: a public address). */
export interface Destination {
  /** The address to connect to, canonical: IPv4-mapped IPv6 becomes the IPv4 address it maps. */
  address: string;
  family: 4 | 6;
  refused: string | null;
}

/** Ranges that are not the public internet, most specific first. */
const NOT_PUBLIC_V4: [string, number, string][] = [
  ['255.255.255.255', 32, 'broadcast'],
  ['168.63.129.16', 32, 'Azure host services (WireServer)'],
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const NOT_PUBLIC_V6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'NAT64 local use'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['2001::', 23, 'IETF protocol assignments'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'SRv6 segment identifiers'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const matchers = (list: [string, number, string][], type: 'ipv4' | 'ipv6') =>
  list.map(([net, prefix, name]) => {
    const b = new BlockList();
    b.addSubnet(net, prefix, type);
    return { b, name: `${name} ${net}/${prefix}` };
  });
const V4 = matchers(NOT_PUBLIC_V4, 'ipv4');
const V6 = matchers(NOT_PUBLIC_V6, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

const v4Text = (b: Uint8Array) => Array.from(b).join('.');
// URL's serializer writes IPv6 the canonical way (RFC 5952): lower case, longest zero run as ::.
const v6Text = (b: Uint8Array) =>
  new URL(`http://[${Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16)).join(':')}]/`).hostname.slice(
    1,
    -1,
  );

function rangeOf(text: string, type: 'ipv4' | 'ipv6'): string | null {
  for (const r of type === 'ipv4' ? V4 : V6) if (r.b.check(text, type)) return r.name;
  // IANA hands out global unicast from 2000::/3 only; the rest is reserved or special.
  if (type === 'ipv6' && !GLOBAL_UNICAST.check(text, 'ipv6')) return 'not global unicast (outside 2000::/3)';
  return null;
}

const zero = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

/**
 * Classifies an address of 4 or 16 bytes. An IPv6 address that carries an IPv4 address is
 * judged by the IPv4 host it leads to: IPv4-mapped (::ffff:0:0/96) becomes that IPv4 address;
 * NAT64's well-known prefix (64:ff9b::/96) passes only when the IPv4 address it embeds is
 * public (DNS64 gives every IPv4-only site such an address on an IPv6-only host);
 * IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96), 6to4 (2002::/16) and Teredo
 * (2001::/32) are refused whole, deprecated or tunnelled to hosts we cannot see, and the message
 * names the IPv4 address inside.
 */
export function classify(bytes: Uint8Array): Destination {
  if (bytes.length === 4) {
    const address = v4Text(bytes);
    return { address, family: 4, refused: rangeOf(address, 'ipv4') };
  }
  const address = v6Text(bytes);
  const inner = (b: Uint8Array) => {
    const d = classify(b);
    return `${d.address}${d.refused ? `, ${d.refused}` : ''}`;
  };
  const last4 = bytes.subarray(12, 16);
  if (zero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return classify(last4);
  if (zero(bytes, 0, 12) && !(zero(bytes, 12, 15) && bytes[15] <= 1)) {
    return { address, family: 6, refused: `IPv4-compatible ::/96 (deprecated; ${inner(last4)})` };
  }
  if (zero(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(bytes, 10, 12)) {
    return { address, family: 6, refused: `IPv4-translated ::ffff:0:0:0/96 (${inner(last4)})` };
  }
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(bytes, 4, 12)) {
    const v4 = classify(last4);
    return { address, family: 6, refused: v4.refused && `NAT64 64:ff9b::/96 of ${v4.address}, ${v4.refused}` };
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    return { address, family: 6, refused: `6to4 2002::/16 (${inner(bytes.subarray(2, 6))})` };
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0 && bytes[3] === 0) {
    // Teredo (RFC 4380): the client's IPv4 address sits in the last 32 bits, inverted.
    return { address, family: 6, refused: `Teredo 2001::/32 (client ${inner(last4.map((x) => ~x & 255))})` };
  }
  return { address, family: 6, refused: rangeOf(address, 'ipv6') };
}
