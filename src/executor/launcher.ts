/**
 * The seam between ProcessExecutor and what wraps its commands (the sandbox, sandbox/bwrap.ts):
 * the command as spawned, a launcher that prepares each attempt, and what a launcher refuses.
 */
import type { ExecutionRequest, ExecutionResult } from './types.ts';

/** A command as spawned: program, arguments, environment. */
export interface Launch {
  file: string;
  argv: string[];
  env: Record<string, string>;
}

/** One prepared attempt of a launcher: the wrapped command, and what to do after it. */
export interface Prepared {
  launch: Launch;
  /** Adds accounting to the result (and may retype it, e.g. OOM_KILLED). Kills leftovers first. */
  finish(result: ExecutionResult): Promise<ExecutionResult>;
  /** Releases what prepare() took (cgroups); runs whatever happened. */
  cleanup(): Promise<void>;
}

/** Wraps each attempt's command, e.g. in a sandbox with per-task cgroups (sandbox/). */
export interface Launcher {
  readonly name: string;
  prepare(req: ExecutionRequest, cmd: Launch): Promise<Prepared>;
  /** Releases what the launcher holds for all attempts (the worker's cgroup subtree). */
  close?(): Promise<void>;
}

/** Why a task's image cannot be run here. */
export type ImageUnavailableReason = 'needs-sandbox' | 'needs-bubblewrap' | 'not-registered';

function imageUnavailableMessage(image: string, reason: ImageUnavailableReason): string {
  switch (reason) {
    case 'needs-sandbox':
      return `image '${image}': images need the sandbox executor, and this worker runs HANGAR_EXECUTOR=process`;
    case 'needs-bubblewrap':
      return `image '${image}': images need bubblewrap, and this worker sandboxes with util-linux unshare`;
    case 'not-registered':
      return `image '${image}' is not registered on this worker (hangar image list)`;
    default:
      return reason satisfies never;
  }
}

/** The task names an image this worker cannot run: the task fails IMAGE_UNAVAILABLE, not retried. */
export class ImageUnavailable extends Error {
  readonly image: string;
  readonly reason: ImageUnavailableReason;
  constructor(image: string, reason: ImageUnavailableReason) {
    super(imageUnavailableMessage(image, reason));
    this.name = 'ImageUnavailable';
    this.image = image;
    this.reason = reason;
  }
}
