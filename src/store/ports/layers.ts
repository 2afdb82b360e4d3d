/**
 * The layers port: users' Lambda layers and their numbered versions (core/layer.ts). Metadata
 * only: a version's zip is in the BlobStore (its code.blobKey), put there by the app layer as a
 * function's code is. Every method is scoped by userId: another user's layer is not found, never
 * visible. Reads answer null (or nothing) for what is not there.
 *
 * A version's policy (core/layer-policy.ts) goes with the version: deleting the version deletes
 * it, in the database itself. What a change of it means is decided in core (addStatement,
 * removeStatement); a backend reads, applies that decision and writes in one transaction.
 */
import type { LayerVersion, LayerVersionPolicy, NewLayerVersion, PolicyStatement } from '../../core/index.ts';

export interface Layers {
  /** The layer's next version: one more than the highest it has ever had, deleted ones
   *  included (1 for a new layer). Of two concurrent publishes each gets its own number. */
  publishLayerVersion(v: NewLayerVersion): Promise<LayerVersion>;
  getLayerVersion(userId: string, name: string, version: number): Promise<LayerVersion | null>;
  /** The user's layer versions by layer name, newest version first; only that layer's when
   *  `name` is given. */
  listLayerVersions(userId: string, name?: string): Promise<LayerVersion[]>;
  /** false if there was none. Its number is never given again. */
  deleteLayerVersion(userId: string, name: string, version: number): Promise<boolean>;

  // A version's policy
  /** null when the version's policy has no statement (or there is no such version). */
  getLayerVersionPolicy(userId: string, name: string, version: number): Promise<LayerVersionPolicy | null>;
  /** The policy with `statement` added and a new revisionId (core addStatement: Conflict when the
   *  Sid is taken or `expectRevisionId` is not the current one); NotFound (LAYER_NOT_FOUND) when
   *  there is no such version. */
  addLayerVersionPermission(
    userId: string,
    name: string,
    version: number,
    statement: PolicyStatement,
    expectRevisionId?: string,
  ): Promise<LayerVersionPolicy>;
  /** The policy without statement `sid` (null: none left); NotFound when it has no such
   *  statement, LAYER_NOT_FOUND when there is no such version. */
  removeLayerVersionPermission(
    userId: string,
    name: string,
    version: number,
    sid: string,
    expectRevisionId?: string,
  ): Promise<LayerVersionPolicy | null>;
}
