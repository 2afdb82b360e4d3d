/**
 * The layers port: users' Lambda layers and their numbered versions (core/layer.ts). Metadata
 * only: a version's zip is in the BlobStore (its code.blobKey), put there by the app layer as a
 * function's code is. Every method is scoped by userId: another user's layer is not found, never
 * visible. Reads answer null (or nothing) for what is not there.
 */
import type { LayerVersion, NewLayerVersion } from '../../core/index.ts';

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
}
