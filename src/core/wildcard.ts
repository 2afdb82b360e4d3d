/**
 * Wildcard patterns: IAM's in ARNs and strings (ArnLike, StringLike, a policy's Resource: `*`
 * any run of characters, none too; `?` any one; everything else itself), and Step Functions'
 * StringMatches (`*` any run; `\*` a star, `\\` a backslash).
 *
 * Matched by walking the pattern and the value, going back only to the last `*` seen: at most
 * pattern × value steps, whatever the pattern. A regular expression made from one (`*` → `.*`)
 * backtracks exponentially on patterns such as `*a*a*a*…b`, and these patterns are users' (a
 * Lambda authorizer's answer, a permission's SourceArn, a state machine's Choice): one such
 * pattern would hold an event loop that serves every tenant.
 */

/** One place of a pattern: any run, any one character, or this character. */
type Unit = typeof ANY_RUN | typeof ANY_ONE | string;
const ANY_RUN = 0;
const ANY_ONE = 1;

/** IAM's: `*` any run of characters (none too), `?` any one, everything else itself. */
export function wildcardMatches(pattern: string, value: string): boolean {
  return unitsMatch(
    Array.from(pattern, (c) => (c === '*' ? ANY_RUN : c === '?' ? ANY_ONE : c)),
    value,
  );
}

/** Step Functions' StringMatches: `*` any run of characters, `\*` a star, `\\` a backslash. */
export function stringMatches(value: string, pattern: string): boolean {
  const units: Unit[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) units.push(pattern[++i]!);
    else units.push(c === '*' ? ANY_RUN : c);
  }
  return unitsMatch(units, value);
}

function unitsMatch(units: readonly Unit[], value: string): boolean {
  let p = 0;
  let v = 0;
  /** Where the last run was in the pattern (-1: none yet), and where in the value it began. */
  let run = -1;
  let from = 0;
  while (v < value.length) {
    const u = units[p];
    if (u === ANY_RUN) {
      run = p++;
      from = v;
    } else if (u !== undefined && (u === ANY_ONE || u === value[v])) {
      p++;
      v++;
    } else if (run >= 0) {
      // The last run takes one more character; the rest of the pattern starts again after it.
      p = run + 1;
      v = ++from;
    } else return false;
  }
  while (units[p] === ANY_RUN) p++;
  return p === units.length;
}
