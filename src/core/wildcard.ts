/**
 * IAM's wildcards in ARNs and strings (ArnLike, StringLike, a policy's Resource): `*` any run of
 * characters (none too), `?` any one, everything else itself.
 *
 * Matched by walking both strings, going back only to the last `*` seen: at most pattern ×
 * value steps, whatever the pattern. A regular expression made from it (`*` → `.*`) backtracks
 * exponentially on patterns such as `*a*a*a*…b`, and a policy's patterns come from users (a
 * Lambda authorizer's answer, a permission's SourceArn): one such pattern would hold an API
 * node's event loop for every tenant.
 */
export function wildcardMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  /** Where the last `*` was in the pattern (-1: none yet), and where in the value it began. */
  let star = -1;
  let from = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c === '*') {
      star = p++;
      from = v;
    } else if (c !== undefined && (c === '?' || c === value[v])) {
      p++;
      v++;
    } else if (star >= 0) {
      // The last `*` takes one more character; the rest of the pattern starts again after it.
      p = star + 1;
      v = ++from;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
