/**
 * Functions packaged as container images (Lambda's PackageType Image). Hangar has no registry:
 * an ImageUri names an image imported on the worker hosts (`hangar image import`) by its
 * repository's last path segment, tag and digest aside — `<account>.dkr.ecr.<region>.amazonaws.com/team/app:v3`
 * and `hangar.local/app` both name the image `app`, so a URI from a Terraform configuration maps
 * with one import. ImageConfig overrides what the image's own config says to run.
 */
import { ErrorCode, InvalidInput } from './errors.ts';

/** Names of imported images (the directory under HANGAR_DATA_DIR/images). */
export const IMAGE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** The image a function's code is: the URI as given, and the Hangar image it names. */
export interface FunctionImageRef {
  uri: string;
  name: string;
}

/** Lambda's ImageConfig: each field given replaces the image's own (ENTRYPOINT, CMD, WorkingDir). */
export interface FunctionImageConfig {
  entryPoint?: string[];
  command?: string[];
  workingDirectory?: string;
}

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/** Lambda's ImageUri: at most 256 characters, a repository with a tag or a digest (or neither). */
export function imageRefOf(uri: string): FunctionImageRef {
  const m = /^(?:[^/\s]+\/)*([^/:@\s]+)(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/.exec(uri);
  if (uri.length > 256 || !m)
    throw invalid(`ImageUri '${uri.slice(0, 100)}' is not an image URI (<registry>/<repository>:<tag> or @sha256:<digest>)`);
  const name = m[1];
  if (!IMAGE_NAME.test(name))
    throw invalid(`ImageUri '${uri}' names the image '${name}', which is no Hangar image name (${IMAGE_NAME.source})`);
  return { uri, name };
}

/** ImageConfig, checked: lists of at most 1,500 strings, a working directory of at most 1,000
 *  characters (Lambda's limits), an absolute path. */
export function checkImageConfig(c: FunctionImageConfig): FunctionImageConfig {
  const list = (what: string, v: string[] | undefined) => {
    if (v === undefined) return {};
    if (v.length > 1500 || v.some((s) => typeof s !== 'string' || s.length > 1024))
      throw invalid(`ImageConfig.${what} must be at most 1,500 strings`);
    return { [what === 'EntryPoint' ? 'entryPoint' : 'command']: [...v] };
  };
  const wd = c.workingDirectory;
  if (wd !== undefined && wd !== '' && (wd.length > 1000 || !wd.startsWith('/')))
    throw invalid('ImageConfig.WorkingDirectory must be an absolute path of at most 1,000 characters');
  return { ...list('EntryPoint', c.entryPoint), ...list('Command', c.command), ...(wd ? { workingDirectory: wd } : {}) };
}

/** What an instance of an image function runs: the overrides over the image's own settings. */
export function imageProcess(
  image: { entrypoint: string[]; cmd: string[]; workingDir: string },
  o: FunctionImageConfig,
): { argv: string[]; handler: string; cwd: string } {
  const entry = o.entryPoint ?? image.entrypoint;
  const cmd = o.command ?? image.cmd;
  // As Lambda: _HANDLER is the first CMD element (what an AWS base image's CMD is: the handler).
  return { argv: [...entry, ...cmd], handler: cmd[0] ?? '', cwd: o.workingDirectory ?? (image.workingDir || '/') };
}
