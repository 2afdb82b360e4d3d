/** Operations of a restJson1 service by method and path template (`/2015-03-31/functions/{FunctionName}`). */
import { AwsError } from './errors.ts';
import type { AwsCall, AwsReply } from './service.ts';

export interface RestOperation {
  /** The operation's name in the service's API reference (GetAccountSettings). */
  name: string;
  method: string;
  /** The path template; `{Label}` matches one segment, `{Label+}` the rest. A trailing `/` is optional. */
  path: string;
  run(call: AwsCall, params: Record<string, string>): Promise<AwsReply>;
  /** false: a data-plane call (Invoke), kept out of the audit log as CloudTrail keeps it out of
   *  its management events; what it did is recorded elsewhere (invocation records). */
  audited?: false;
}

interface Compiled {
  op: RestOperation;
  segments: string[];
}

export class RestRouter {
  private readonly ops: Compiled[];

  constructor(ops: readonly RestOperation[]) {
    this.ops = ops.map((op) => ({ op, segments: split(op.path) }));
  }

  /** Runs the operation the call's method and path name; none → 404 UnknownOperationException, as Lambda answers. */
  async handle(call: AwsCall): Promise<AwsReply> {
    const segments = split(call.rawPath);
    for (const { op, segments: template } of this.ops) {
      if (op.method !== call.method) continue;
      const params = match(template, segments);
      if (params) {
        call.named(op.name, op.audited !== false);
        return op.run(call, params);
      }
    }
    throw new AwsError('UnknownOperationException', 404, `Unknown operation: ${call.method} ${call.rawPath.slice(0, 200)}`);
  }
}

const split = (path: string): string[] => path.split('/').filter(Boolean);

function match(template: string[], segments: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    const label = /^\{(\w+)(\+?)\}$/.exec(t);
    if (label?.[2]) {
      if (i >= segments.length) return null;
      params[label[1]] = segments.slice(i).map(decode).join('/');
      return params;
    }
    if (i >= segments.length) return null;
    if (label) params[label[1]] = decode(segments[i]);
    else if (t !== segments[i]) return null;
  }
  return segments.length === template.length ? params : null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AwsError('ValidationException', 400, `Malformed percent-encoding in the path: '${segment.slice(0, 60)}'`);
  }
}
