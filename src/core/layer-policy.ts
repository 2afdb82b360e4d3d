/**
 * A layer version's resource-based policy, as Lambda keeps it (AddLayerVersionPermission,
 * RemoveLayerVersionPermission, GetLayerVersionPolicy): statements that let another account, or
 * every account, use that one version (`lambda:GetLayerVersion`: read it, and name it in a
 * function's Layers). Statements, their document, revisions and their evaluation are a
 * function policy's (function-policy.ts); what differs is checked here: the one action, a
 * StatementId without dots, and principals that are accounts or `*` only.
 *
 * Hangar has no organizations: OrganizationId is refused, not ignored (ignoring it would grant
 * everyone what was meant for an organization).
 */
import { ErrorCode, InvalidInput } from './errors.ts';
import { parsePrincipal, policyAllows, type PolicyStatement } from './function-policy.ts';

/** The one action a layer version's policy grants (AWS: Action's pattern is this string). */
export const LAYER_ACTION = 'lambda:GetLayerVersion';

export interface LayerVersionPolicy {
  userId: string;
  layerName: string;
  version: number;
  statements: PolicyStatement[];
  revisionId: string;
}

/** AddLayerVersionPermission's fields, unchecked. */
export interface LayerStatementInput {
  sid: string | undefined;
  action: string | undefined;
  principal: string | undefined;
  organizationId?: string | undefined;
}

/** StatementId: 1-100 of A-Z a-z 0-9 _ - (no dots, unlike a function's). */
const LAYER_SID = /^[A-Za-z0-9_-]{1,100}$/;

/** Principal: everyone, or one account (its id or its root's ARN); no services. */
const LAYER_PRINCIPAL = /^(\*|\d{12}|arn:aws:iam::\d{12}:root)$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.LayerInvalid, message);

/** A StatementId as AddLayerVersionPermission and RemoveLayerVersionPermission take it. */
export function checkLayerStatementId(sid: string | undefined): string {
  if (sid === undefined) throw invalid('StatementId is required');
  if (!LAYER_SID.test(sid)) throw invalid(`StatementId '${sid.slice(0, 120)}' must be 1-100 characters of A-Z a-z 0-9 _ -`);
  return sid;
}

export function checkLayerStatement(input: LayerStatementInput): PolicyStatement {
  const sid = checkLayerStatementId(input.sid);
  if (input.action === undefined) throw invalid('Action is required');
  if (input.action !== LAYER_ACTION) throw invalid(`Action '${input.action.slice(0, 40)}' must be ${LAYER_ACTION}`);
  if (input.organizationId !== undefined)
    throw invalid('Hangar has no organizations: OrganizationId is not supported; grant each account, or *');
  if (input.principal === undefined) throw invalid('Principal is required');
  if (!LAYER_PRINCIPAL.test(input.principal))
    throw invalid(`Principal '${input.principal.slice(0, 100)}' must be *, a 12-digit account id or arn:aws:iam::<account>:root`);
  return { sid, action: LAYER_ACTION, principal: parsePrincipal(input.principal) };
}

/** Whether a layer version's policy lets `callerAccountId` use it (read it, name it in a function). */
export function layerVersionAllows(policy: Pick<LayerVersionPolicy, 'statements'> | null, callerAccountId: string): boolean {
  return (
    policy !== null && policyAllows(policy.statements, { action: LAYER_ACTION, caller: { kind: 'account', accountId: callerAccountId } })
  );
}
