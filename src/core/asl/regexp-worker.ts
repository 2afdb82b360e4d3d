/**
 * The watchdog thread of ./regexp.ts: runs one `exec` of a regular expression the linear engine
 * cannot take, while the event loop's thread waits for it with a time limit and ends this thread
 * when the limit passes. The text is sent only when it changes (a `$match` over a long string
 * asks once per match).
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { DONE, type ExecReply, type ExecRequest, READY } from './regexp.ts';

const { port, signal } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const flag = new Int32Array(signal);
const compiled = new Map<string, RegExp>();
let text = '';

function run(r: ExecRequest): ExecReply {
  if (r.text !== undefined) text = r.text;
  const key = `${r.flags}/${r.source}`;
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size > 1_000) compiled.clear();
    re = new RegExp(r.source, r.flags);
    compiled.set(key, re);
  }
  re.lastIndex = r.lastIndex;
  const m = re.exec(text);
  return m === null
    ? { ok: true, match: null, index: -1, groups: undefined, lastIndex: re.lastIndex }
    : { ok: true, match: [...m], index: m.index, groups: m.groups ? { ...m.groups } : undefined, lastIndex: re.lastIndex };
}

port.on('message', (r: ExecRequest) => {
  let reply: ExecReply;
  try {
    reply = run(r);
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(flag, DONE, 1);
  Atomics.notify(flag, DONE);
});
Atomics.store(flag, READY, 1);
Atomics.notify(flag, READY);
