/**
 * Who may reach a function from outside its owner's API calls: its resource-based policies
 * (one per function and one per version or alias, Lambda's AddPermission) and its function URLs
 * (one per function and one per alias). A port of its own beside Functions; its rows go with the
 * function (and an alias's or a version's with it) in the database itself, so no caller has to
 * remember to clean up.
 *
 * Scoped by userId as Functions is, except functionUrlById: a function URL is reached by its
 * url-id alone, before anyone is known. What a change means is decided in core
 * (function-policy.ts, function-url.ts); a backend reads, applies that decision and writes in
 * one transaction. A change to a function that is not there throws NotFound (FUNCTION_NOT_FOUND).
 */
import type { FunctionPolicy, FunctionUrlConfig, FunctionUrlInput, NewFunctionUrl, PolicyStatement } from '../../core/index.ts';

export interface FunctionAccess {
  // Resource-based policies ('' is the function's own qualifier)
  /** null when the policy has no statement. */
  getPolicy(userId: string, functionName: string, qualifier: string): Promise<FunctionPolicy | null>;
  /** The policy with `statement` added and a new revisionId (core addStatement: Conflict when the
   *  Sid is taken or `expectRevisionId` is not the current one). */
  addPermission(
    userId: string,
    functionName: string,
    qualifier: string,
    statement: PolicyStatement,
    expectRevisionId?: string,
  ): Promise<FunctionPolicy>;
  /** The policy without statement `sid` (null: none left); NotFound when it has no such statement. */
  removePermission(
    userId: string,
    functionName: string,
    qualifier: string,
    sid: string,
    expectRevisionId?: string,
  ): Promise<FunctionPolicy | null>;

  // Function URLs ('' is the function's own qualifier, else an alias)
  /** Conflict (FUNCTION_URL_EXISTS) if the function has one for that qualifier. */
  createFunctionUrl(c: NewFunctionUrl): Promise<FunctionUrlConfig>;
  getFunctionUrl(userId: string, functionName: string, qualifier: string): Promise<FunctionUrlConfig | null>;
  /** core applyFunctionUrlPatch; NotFound (FUNCTION_URL_NOT_FOUND) if there is none. */
  updateFunctionUrl(userId: string, functionName: string, qualifier: string, patch: FunctionUrlInput): Promise<FunctionUrlConfig>;
  deleteFunctionUrl(userId: string, functionName: string, qualifier: string): Promise<boolean>;
  /** The function's URLs, by qualifier ('' first). */
  listFunctionUrls(userId: string, functionName: string): Promise<FunctionUrlConfig[]>;
  /** The URL with this url-id, whoever's it is (the serving path's lookup). */
  functionUrlById(urlId: string): Promise<FunctionUrlConfig | null>;
}
