/**
 * A TCP connection through an HTTP proxy's CONNECT: how a sandboxed task reaches a database.
 * A task with `network: "egress"` has no route out but Hangar's egress proxy (HTTP_PROXY, which
 * tunnels any TCP with CONNECT and refuses private addresses the operator has not allowed), and
 * PostgreSQL clients do not speak HTTP proxies; so this opens the tunnel and pg talks over it.
 */
import { connect } from 'node:net';

/** Most bytes of a proxy's answer to CONNECT read before giving up on it. */
const MAX_HEAD = 16 * 1024;

/**
 * Resolves with a socket to host:port through the proxy at `proxyUrl` (http://host:port), once
 * the proxy answered 200, paused (the caller resumes it when it listens); rejects with the
 * proxy's answer when it refuses (403: not allowed, 502: nothing listens there).
 */
export function tunnel(proxyUrl, host, port) {
  const proxy = new URL(proxyUrl);
  const target = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(proxy.port || 80), proxy.hostname);
    let head = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(new Error(`proxy ${proxy.host}: no answer to CONNECT ${target} in ${MAX_HEAD} bytes`));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', closed);
      socket.pause();
      const answer = head.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.[01] 200\b/.test(answer)) {
        fail(new Error(`proxy ${proxy.host} refused CONNECT ${target}: ${head.toString('utf8').trim()}`));
        return;
      }
      // PostgreSQL speaks only after the client's first message, so nothing should follow the
      // answer yet; if something did, it is the server's and goes back in front of the stream.
      if (head.length > end + 4) socket.unshift(head.subarray(end + 4));
      resolve(socket);
    };
    const closed = () => fail(new Error(`proxy ${proxy.host} closed the connection before answering CONNECT ${target}`));
    socket.once('error', fail);
    socket.once('close', closed);
    socket.once('connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    socket.on('data', onData);
  });
}
