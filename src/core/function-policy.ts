/**
 * A function's resource-based policy, as Lambda keeps it: statements added one at a time
 * (AddPermission), each allowing one action to one principal, optionally narrowed by
 * conditions; one policy per function and one per version or alias (the qualifier). What is a
 * valid statement, what adding or removing one does, the JSON document AWS shows, and whether a
 * caller is allowed an action are decided here; the store only keeps the statements.
 *
 * Hangar has no IAM: a principal is "*" (anyone), an account (a Hangar user's 12-digit account
 * id) or a service (`events.amazonaws.com`), which Hangar's own services will name once they
 * invoke functions. A statement only ever allows (Lambda's AddPermission makes no Deny).
 */
import { wildcardMatches } from './wildcard.ts';
import { Conflict, ErrorCode, Forbidden, InvalidInput, NotFound } from './errors.ts';
import type { Qualifier } from './function.ts';

export type PolicyPrincipal = { kind: 'any' } | { kind: 'account'; accountId: string } | { kind: 'service'; service: string };

/** How a function URL authenticates its callers. */
export const FunctionUrlAuthType = { NONE: 'NONE', AWS_IAM: 'AWS_IAM' } as const;
export type FunctionUrlAuthType = (typeof FunctionUrlAuthType)[keyof typeof FunctionUrlAuthType];

export interface PolicyStatement {
  sid: string;
  /** `lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`, `lambda:GetFunction`, `lambda:*`... */
  action: string;
  principal: PolicyPrincipal;
  /** Condition ArnLike AWS:SourceArn (`*` and `?` as wildcards, as StringLike). */
  sourceArn?: string;
  /** Condition StringEquals AWS:SourceAccount. */
  sourceAccount?: string;
  /** Condition StringEquals lambda:FunctionUrlAuthType: only through a URL of this auth type. */
  functionUrlAuthType?: FunctionUrlAuthType;
  /** Condition Bool lambda:InvokedViaFunctionUrl: only through a function URL. */
  invokedViaFunctionUrl?: boolean;
}

export interface FunctionPolicy {
  userId: string;
  functionName: string;
  /** '' for the function's own policy, else the version number or alias it is for. */
  qualifier: string;
  statements: PolicyStatement[];
  revisionId: string;
}

export const InvokeAction = { Function: 'lambda:InvokeFunction', FunctionUrl: 'lambda:InvokeFunctionUrl' } as const;

/** Lambda's limit on a policy document, bytes. */
export const POLICY_MAX_BYTES = 20 * 1024;

const SID = /^[A-Za-z0-9_.-]{1,100}$/;
const ACTION = /^lambda:(\*|[A-Za-z]+\*?)$/;
const ACCOUNT = /^\d{12}$/;
const ACCOUNT_ROOT = /^arn:aws:iam::(\d{12}):root$/;
const SERVICE = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/** "The resource you requested does not exist.": Lambda's words for a missing policy or statement. */
export const policyErrors = {
  notFound: () => new NotFound(ErrorCode.FunctionPolicyNotFound, 'The resource you requested does not exist.'),
  statementExists: (sid: string) =>
    new Conflict(
      ErrorCode.FunctionStatementExists,
      `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
    ),
  revisionMismatch: () =>
    new Conflict(
      ErrorCode.FunctionRevisionMismatch,
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    ),
};

/** A Principal as AddPermission takes it: `*`, an account id or its root ARN, or a service. */
export function parsePrincipal(text: string): PolicyPrincipal {
  if (text === '*') return { kind: 'any' };
  if (ACCOUNT.test(text)) return { kind: 'account', accountId: text };
  const root = ACCOUNT_ROOT.exec(text);
  if (root) return { kind: 'account', accountId: root[1] as string };
  if (SERVICE.test(text)) return { kind: 'service', service: text };
  if (text.startsWith('arn:aws:iam::'))
    throw invalid(`Hangar has no IAM users or roles: the Principal '${text.slice(0, 100)}' must be *, an account id or a service`);
  throw invalid(
    `Principal '${text.slice(0, 100)}' must be *, a 12-digit account id, arn:aws:iam::<account>:root or a service (events.amazonaws.com)`,
  );
}

export interface StatementInput {
  sid: string | undefined;
  action: string | undefined;
  principal: string | undefined;
  sourceArn?: string | undefined;
  sourceAccount?: string | undefined;
  functionUrlAuthType?: string | undefined;
  invokedViaFunctionUrl?: boolean | undefined;
}

/** A statement as AddPermission's fields describe it, checked. */
export function checkStatement(input: StatementInput): PolicyStatement {
  if (input.sid === undefined) throw invalid('StatementId is required');
  if (!SID.test(input.sid)) throw invalid(`StatementId '${input.sid.slice(0, 120)}' must be 1-100 characters of A-Z a-z 0-9 _ . -`);
  if (input.action === undefined) throw invalid('Action is required');
  if (!ACTION.test(input.action))
    throw invalid(
      `Action '${input.action.slice(0, 100)}' must be a Lambda action: lambda:InvokeFunction, lambda:InvokeFunctionUrl, lambda:*...`,
    );
  if (input.principal === undefined) throw invalid('Principal is required');
  const s: PolicyStatement = { sid: input.sid, action: input.action, principal: parsePrincipal(input.principal) };
  if (input.sourceArn !== undefined) {
    if (!/^arn:[^\s]{1,1000}$/.test(input.sourceArn)) throw invalid(`SourceArn '${input.sourceArn.slice(0, 100)}' is not an ARN`);
    s.sourceArn = input.sourceArn;
  }
  if (input.sourceAccount !== undefined) {
    if (!ACCOUNT.test(input.sourceAccount)) throw invalid('SourceAccount must be a 12-digit account id');
    s.sourceAccount = input.sourceAccount;
  }
  if (input.functionUrlAuthType !== undefined) {
    if (input.functionUrlAuthType !== FunctionUrlAuthType.NONE && input.functionUrlAuthType !== FunctionUrlAuthType.AWS_IAM)
      throw invalid(`FunctionUrlAuthType must be NONE or AWS_IAM, not '${input.functionUrlAuthType.slice(0, 40)}'`);
    s.functionUrlAuthType = input.functionUrlAuthType;
  }
  if (input.invokedViaFunctionUrl === true) s.invokedViaFunctionUrl = true;
  return s;
}

/** Whether `expect` (a RevisionId the caller gave) still names the policy as it is. */
/** What adding or removing a statement reads of the policy as it is: a function's or a layer
 *  version's (layer-policy.ts), decided alike. */
export type StatementsNow = Pick<FunctionPolicy, 'statements' | 'revisionId'> | null;

function checkRevision(current: StatementsNow, expect: string | undefined): void {
  if (expect !== undefined && current?.revisionId !== expect) throw policyErrors.revisionMismatch();
}

/** The statements after AddPermission: Conflict if the Sid is taken or the revision moved on. */
export function addStatement(current: StatementsNow, statement: PolicyStatement, expectRevisionId: string | undefined): PolicyStatement[] {
  checkRevision(current, expectRevisionId);
  const statements = current?.statements ?? [];
  if (statements.some((s) => s.sid === statement.sid)) throw policyErrors.statementExists(statement.sid);
  const next = [...statements, statement];
  const size = Buffer.byteLength(JSON.stringify(policyDocument(next, 'arn:aws:lambda:xx-xxxx-0:000000000000:function:x')));
  if (size > POLICY_MAX_BYTES)
    throw new InvalidInput(
      ErrorCode.FunctionPolicyTooLarge,
      `The final policy size (${size}) is bigger than the limit (${POLICY_MAX_BYTES}): remove statements first`,
    );
  return next;
}

/** The statements after RemovePermission: NotFound if there is no such statement. */
export function removeStatement(current: StatementsNow, sid: string, expectRevisionId: string | undefined): PolicyStatement[] {
  if (!current?.statements.some((s) => s.sid === sid)) throw policyErrors.notFound();
  checkRevision(current, expectRevisionId);
  return current.statements.filter((s) => s.sid !== sid);
}

// --- The document AWS shows ---

function principalDocument(p: PolicyPrincipal): unknown {
  switch (p.kind) {
    case 'any':
      return '*';
    case 'account':
      return { AWS: `arn:aws:iam::${p.accountId}:root` };
    case 'service':
      return { Service: p.service };
    default: {
      const never: never = p;
      throw new Error(`unknown principal ${JSON.stringify(never)}`);
    }
  }
}

/** One statement as GetPolicy and AddPermission show it (`resource`: the function's ARN, qualified as the policy is). */
export function statementDocument(s: PolicyStatement, resource: string): Record<string, unknown> {
  const condition: Record<string, Record<string, string>> = {};
  const add = (op: string, key: string, value: string) => {
    condition[op] = { ...condition[op], [key]: value };
  };
  if (s.functionUrlAuthType !== undefined) add('StringEquals', 'lambda:FunctionUrlAuthType', s.functionUrlAuthType);
  if (s.sourceAccount !== undefined) add('StringEquals', 'AWS:SourceAccount', s.sourceAccount);
  if (s.sourceArn !== undefined) add('ArnLike', 'AWS:SourceArn', s.sourceArn);
  if (s.invokedViaFunctionUrl) add('Bool', 'lambda:InvokedViaFunctionUrl', 'true');
  return {
    Sid: s.sid,
    Effect: 'Allow',
    Principal: principalDocument(s.principal),
    Action: s.action,
    Resource: resource,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

export function policyDocument(statements: readonly PolicyStatement[], resource: string): Record<string, unknown> {
  return { Version: '2012-10-17', Id: 'default', Statement: statements.map((s) => statementDocument(s, resource)) };
}

// --- Evaluation ---

/** Who asks: nobody in particular (an unsigned request), a Hangar user's account, or a service. */
export type PolicyCaller = { kind: 'anonymous' } | { kind: 'account'; accountId: string } | { kind: 'service'; service: string };

export interface AccessRequest {
  action: string;
  caller: PolicyCaller;
  /** The request came through a function URL of this auth type. */
  viaFunctionUrl?: FunctionUrlAuthType;
  sourceArn?: string;
  sourceAccount?: string;
}

function actionMatches(pattern: string, action: string): boolean {
  return pattern.endsWith('*') ? action.startsWith(pattern.slice(0, -1)) : pattern === action;
}

function principalMatches(p: PolicyPrincipal, caller: PolicyCaller): boolean {
  switch (p.kind) {
    case 'any':
      return true;
    case 'account':
      return caller.kind === 'account' && caller.accountId === p.accountId;
    case 'service':
      return caller.kind === 'service' && caller.service === p.service;
    default: {
      const never: never = p;
      throw new Error(`unknown principal ${JSON.stringify(never)}`);
    }
  }
}

/** ArnLike / StringLike: `*` any run of characters, `?` one (wildcard.ts). */
export const arnLike = wildcardMatches;

/** Whether one statement allows the request: its action, principal and every condition match
 *  (a condition on a key the request does not have does not match, as IAM's). */
export function statementAllows(s: PolicyStatement, r: AccessRequest): boolean {
  if (!actionMatches(s.action, r.action) || !principalMatches(s.principal, r.caller)) return false;
  if (s.functionUrlAuthType !== undefined && r.viaFunctionUrl !== s.functionUrlAuthType) return false;
  if (s.invokedViaFunctionUrl && r.viaFunctionUrl === undefined) return false;
  if (s.sourceAccount !== undefined && r.sourceAccount !== s.sourceAccount) return false;
  if (s.sourceArn !== undefined && (r.sourceArn === undefined || !arnLike(s.sourceArn, r.sourceArn))) return false;
  return true;
}

export const policyAllows = (statements: readonly PolicyStatement[], r: AccessRequest): boolean =>
  statements.some((s) => statementAllows(s, r));

/**
 * Whether a request through a function URL may invoke the function. Since October 2025 Lambda
 * requires both lambda:InvokeFunctionUrl and lambda:InvokeFunction for a function URL:
 * - NONE: the policy must allow both to everyone (`*`); a signature, if any, is not looked at.
 * - AWS_IAM: the caller must be known (a valid SigV4 signature). The function's owner always
 *   may (their account's identity policies are all-powerful in Hangar); another account only
 *   when the policy allows it both actions.
 * `statements`: the policy of what the URL invokes (the function's, or the alias's). `isOwner`: the
 * caller is the function's user (by user id: account ids are names, not the tenancy boundary).
 */
export function functionUrlAllows(
  authType: FunctionUrlAuthType,
  statements: readonly PolicyStatement[],
  caller: PolicyCaller,
  isOwner: boolean,
): boolean {
  const who: PolicyCaller = authType === FunctionUrlAuthType.NONE ? { kind: 'anonymous' } : caller;
  if (authType === FunctionUrlAuthType.AWS_IAM) {
    if (who.kind === 'anonymous') return false;
    if (isOwner) return true;
  }
  return [InvokeAction.FunctionUrl, InvokeAction.Function].every((action) =>
    policyAllows(statements, { action, caller: who, viaFunctionUrl: authType }),
  );
}

// --- Another account's calls ---

/**
 * The Lambda actions another account may be granted on a function that Hangar decides across
 * accounts. Lambda lets a policy grant most actions on an existing function ("Granting function
 * access to other accounts": lambda:GetFunction to download its code, lambda:ListAliases...).
 * The Lambda API serves Invoke (RequestResponse, Event and DryRun alike, as on Lambda),
 * GetFunction (its Code.Location presigned, so the other account downloads the owner's code
 * without a key of the owner's) and GetFunctionConfiguration across accounts; every other
 * action stays the owner's own.
 */
export const CrossAccountAction = {
  Invoke: 'lambda:InvokeFunction',
  GetFunction: 'lambda:GetFunction',
  GetFunctionConfiguration: 'lambda:GetFunctionConfiguration',
} as const;
export type CrossAccountAction = (typeof CrossAccountAction)[keyof typeof CrossAccountAction];

/** The policy a qualifier's ARN is governed by: '' (the function's own) for the unqualified ARN
 *  and $LATEST (Lambda keeps no policy on $LATEST), else the version's or the alias's. */
export function policyQualifierOf(q: Qualifier): string {
  switch (q.kind) {
    case 'latest':
      return '';
    case 'version':
      return String(q.version);
    case 'alias':
      return q.alias;
    default: {
      const never: never = q;
      throw new Error(`unknown qualifier ${JSON.stringify(never)}`);
    }
  }
}

export interface CrossAccountRequest {
  action: CrossAccountAction;
  /** The calling account (never the function owner's: their own calls need no policy). */
  callerAccountId: string;
  /** What the caller named: unqualified, $LATEST, a version or an alias. */
  qualifier: Qualifier;
}

/**
 * - allow: a statement allows the call.
 * - denied: a statement is for the caller (their account, or everyone) but none allows this
 *   action at this qualifier: Lambda's AccessDeniedException. The owner has told the caller of
 *   the function, so saying it exists gives nothing away.
 * - unknown: nothing in the policy is for the caller: the function is as good as not there for
 *   them, the same refusal as a function that does not exist (a stranger learns nothing).
 */
export type CrossAccountDecision = 'allow' | 'denied' | 'unknown';

/**
 * Whether another account may call `r.action` on a function, given the policy of the qualifier
 * it named (`policy`: null when that policy has no statement). Only that policy counts: a
 * statement added with a Qualifier governs that version's or alias's ARN alone, and the
 * function's own policy (resource: the unqualified ARN) does not reach a version or an alias
 * ("If you use a qualifier, the invoker must use the full ARN of that version or alias").
 *
 * A direct API call from an account carries no aws:SourceArn, aws:SourceAccount or function-URL
 * keys (those come with a service's call or a URL's request), so a statement conditioned on
 * any of them does not match: a condition this call cannot meet denies, as IAM's does for a
 * key the request lacks.
 */
export function crossAccountDecision(
  policy: Pick<FunctionPolicy, 'qualifier' | 'statements'> | null,
  r: CrossAccountRequest,
): CrossAccountDecision {
  if (!policy || policy.qualifier !== policyQualifierOf(r.qualifier)) return 'unknown';
  const caller: PolicyCaller = { kind: 'account', accountId: r.callerAccountId };
  if (policyAllows(policy.statements, { action: r.action, caller })) return 'allow';
  return policy.statements.some((s) => principalMatches(s.principal, caller)) ? 'denied' : 'unknown';
}

/** Lambda's refusal of an account no statement allows (resource: the ARN as it was named). */
export const crossAccountDenied = (callerAccountId: string, action: string, resource: string): Forbidden =>
  new Forbidden(
    `User: arn:aws:iam::${callerAccountId}:root is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`,
  );
