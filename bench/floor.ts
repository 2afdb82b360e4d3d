/** The floor of the functions benchmarks: a handler behind a plain node:http server in a child
 *  process (JSON in, JSON out), what Hangar's invoke is compared with. */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { type Platform, startPlatform } from '../src/runtime/index.ts';

/** The embedded shape the functions benchmarks measure: API and two sandboxed (bwrap) workers
 *  in this process, on a free port, silent, no rate limit; `env` adds settings (HANGAR_…). */
export function startFunctionsPlatform(dataDir: string, env: Record<string, string> = {}): Promise<Platform> {
  const config = loadConfig({
    env: {
      ...env,
      HANGAR_PORT: '0',
      HANGAR_DATA_DIR: dataDir,
      HANGAR_WORKERS: '2',
      HANGAR_EXECUTOR: 'sandbox',
      HANGAR_SANDBOX_ENGINE: 'bwrap',
      HANGAR_LOG_LEVEL: 'silent',
      HANGAR_RATE_LIMIT: '0',
    },
  });
  return startPlatform(config, { api: true, workers: true }, { log: createLogger('silent') });
}

export async function startFloor(handlerFile: string): Promise<{ child: ChildProcess; url: string }> {
  const server = `const http = require('node:http');
const { handler } = require(process.argv[1]);
const s = http.createServer((req, res) => {
  let b = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (b += d));
  req.on('end', async () => {
    const out = JSON.stringify(await handler(JSON.parse(b)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', server, handlerFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (c) => reject(new Error(`floor server exited ${c}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}
