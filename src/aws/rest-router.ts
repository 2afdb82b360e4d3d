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

/** A template's segment: literal text, or a label taking one segment or (greedy) the rest. */
type Part = { literal: string } | { label: string; greedy: boolean };

interface Compiled {
  op: RestOperation;
  parts: Part[];
}

export class RestRouter {
  /** By method: a request is matched against its own method's templates only, each read once
   *  here rather than per request (Lambda's sixty-odd operations). */
  private readonly byMethod = new Map<string, Compiled[]>();

  constructor(ops: readonly RestOperation[]) {
    for (const op of ops) {
      const parts = split(op.path).map((t): Part => {
        const label = /^\{(\w+)(\+?)\}$/.exec(t);
        return label ? { label: label[1], greedy: label[2] === '+' } : { literal: t };
      });
      const same = this.byMethod.get(op.method);
      if (same) same.push({ op, parts });
      else this.byMethod.set(op.method, [{ op, parts }]);
    }
  }

  /** Runs the operation the call's method and path name; none → 404 UnknownOperationException, as Lambda answers. */
  async handle(call: AwsCall): Promise<AwsReply> {
    const segments = split(call.rawPath);
    for (const { op, parts } of this.byMethod.get(call.method) ?? []) {
      const params = match(parts, segments);
      if (params) {
        call.named(op.name, op.audited !== false);
        return op.run(call, params);
      }
    }
    throw new AwsError('UnknownOperationException', 404, `Unknown operation: ${call.method} ${call.rawPath.slice(0, 200)}`);
  }
}

const split = (path: string): string[] => path.split('/').filter(Boolean);

function match(parts: Part[], segments: string[]): Record<string, string> | null {
  const last = parts.at(-1);
  const greedy = last !== undefined && 'greedy' in last && last.greedy;
  if (greedy ? segments.length < parts.length : segments.length !== parts.length) return null;
  // The literals first: most templates differ from the path in one, and no label is decoded for them.
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if ('literal' in p && p.literal !== segments[i]) return null;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if ('literal' in p) continue;
    if (p.greedy) {
      params[p.label] = segments.slice(i).map(decode).join('/');
      return params;
    }
    params[p.label] = decode(segments[i]);
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AwsError('ValidationException', 400, `Malformed percent-encoding in the path: '${segment.slice(0, 60)}'`);
  }
}
