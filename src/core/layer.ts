/**
 * Layers, as AWS Lambda defines them (PublishLayerVersion, ListLayers, a function's Layers): a
 * user's named layer has numbered versions, each an immutable zip with its settings; a function
 * names up to five layer versions, whose contents appear at /opt in its execution environment,
 * in order, later ones over earlier ones. Version numbers of a layer only grow: a deleted one is
 * never given again. A function keeps the content of the layer versions it names (their code,
 * copied into its snapshot), so deleting a version does not break a function already using it.
 * Nothing here stores or runs anything.
 */
import { ErrorCode, InvalidInput, NotFound } from './errors.ts';
import type { FunctionCode } from './function.ts';

/** Limits, as Lambda's API reference and quotas page state them. */
export const LAYER_LIMITS = {
  /** LayerName: 1-140 characters (the ARN form included). */
  nameMax: 140,
  compatibleRuntimesMax: 15,
  compatibleArchitecturesMax: 2,
  descriptionMax: 256,
  licenseInfoMax: 512,
} as const;

/** One version of a user's layer. */
export interface LayerVersion {
  userId: string;
  name: string;
  version: number;
  description: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  /** null: none given. */
  licenseInfo: string | null;
  /** The zip, stored as a function's code is (its blobKey is a function code key). */
  code: FunctionCode;
  /** ms since the epoch. */
  createdAt: number;
}

/** What a publish stores: everything but the number and time, which the store gives. */
export type NewLayerVersion = Omit<LayerVersion, 'version' | 'createdAt'>;

/** What PublishLayerVersion takes besides the zip, unchecked. */
export interface LayerVersionInput {
  name: string;
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
}

const LAYER_NAME = /^[A-Za-z0-9_-]+$/;
/** Lambda's runtime identifiers (nodejs22.x, python3.12, provided.al2023, java21...). */
const RUNTIME_ID = /^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/;
const ARCHITECTURES: ReadonlySet<string> = new Set(['x86_64', 'arm64']);
const VERSION_NUMBER = /^[1-9]\d{0,9}$/;
/** A layer version's ARN: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION. */
const LAYER_VERSION_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z]{2}(?:-[a-z]+)+-\d):(?<account>\d{12}):layer:(?<name>[A-Za-z0-9_-]+):(?<version>[1-9]\d{0,9})$/;
/** A layer's ARN (no version): what LayerName may be instead of a name. */
const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z]{2}(?:-[a-z]+)+-\d):(?<account>\d{12}):layer:(?<name>[A-Za-z0-9_-]+)$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.LayerInvalid, message);

/** The refusals every backend and use case gives, worded once. */
export const layerErrors = {
  notFound: (name: string, version?: number) =>
    new NotFound(ErrorCode.LayerNotFound, version === undefined ? `layer ${name} not found` : `layer ${name} has no version ${version}`),
};

export function checkLayerName(name: string): string {
  if (name.length > LAYER_LIMITS.nameMax || !LAYER_NAME.test(name))
    throw invalid(`layer name '${name.slice(0, 160)}' must be 1-${LAYER_LIMITS.nameMax} characters of A-Z a-z 0-9 _ -`);
  return name;
}

export function checkLayerVersionNumber(v: string): number {
  if (!VERSION_NUMBER.test(v)) throw invalid(`layer version '${v.slice(0, 40)}' is not a version number`);
  return Number(v);
}

function checkList(what: string, list: string[], max: number, ok: (s: string) => boolean): string[] {
  if (list.length > max) throw invalid(`${what} may name at most ${max}`);
  for (const s of list) if (typeof s !== 'string' || !ok(s)) throw invalid(`${what}: '${String(s).slice(0, 40)}' is not one`);
  return [...new Set(list)];
}

/** A publish's settings, checked (the code is the caller's to check: app codeOf). */
export function newLayerVersion(userId: string, input: LayerVersionInput, code: FunctionCode): NewLayerVersion {
  const description = input.description ?? '';
  if (description.length > LAYER_LIMITS.descriptionMax)
    throw invalid(`a layer version's description may be at most ${LAYER_LIMITS.descriptionMax} characters`);
  const licenseInfo = input.licenseInfo ?? null;
  if (licenseInfo !== null && licenseInfo.length > LAYER_LIMITS.licenseInfoMax)
    throw invalid(`LicenseInfo may be at most ${LAYER_LIMITS.licenseInfoMax} characters`);
  return {
    userId,
    name: checkLayerName(input.name),
    description,
    compatibleRuntimes: checkList('CompatibleRuntimes', input.compatibleRuntimes ?? [], LAYER_LIMITS.compatibleRuntimesMax, (s) =>
      RUNTIME_ID.test(s),
    ),
    compatibleArchitectures: checkList(
      'CompatibleArchitectures',
      input.compatibleArchitectures ?? [],
      LAYER_LIMITS.compatibleArchitecturesMax,
      (s) => ARCHITECTURES.has(s),
    ),
    licenseInfo,
    code,
  };
}

/** A layer version ARN's parts; InvalidInput if it is not one. */
export function parseLayerVersionArn(arn: string): { region: string; accountId: string; name: string; version: number } {
  const m = LAYER_VERSION_ARN.exec(arn);
  if (!m?.groups || m.groups.name.length > LAYER_LIMITS.nameMax)
    throw invalid(`'${arn.slice(0, 200)}' is not a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)`);
  return { region: m.groups.region, accountId: m.groups.account, name: m.groups.name, version: Number(m.groups.version) };
}

/** A LayerName as Lambda takes it: a name, or the layer's ARN (accountId null for a name). */
export function parseLayerName(layerName: string): { name: string; accountId: string | null } {
  const m = LAYER_ARN.exec(layerName);
  if (m?.groups) return { name: checkLayerName(m.groups.name), accountId: m.groups.account };
  return { name: checkLayerName(layerName), accountId: null };
}

/** ListLayers' and ListLayerVersions' filters: a version matches if it declares the runtime
 *  (or the architecture), as Lambda's CompatibleRuntime and CompatibleArchitecture filters. */
export interface LayerFilter {
  compatibleRuntime?: string;
  compatibleArchitecture?: string;
}

export function layerMatches(v: LayerVersion, f: LayerFilter): boolean {
  return (
    (f.compatibleRuntime === undefined || v.compatibleRuntimes.includes(f.compatibleRuntime)) &&
    (f.compatibleArchitecture === undefined || v.compatibleArchitectures.includes(f.compatibleArchitecture))
  );
}

/** ListLayers: each layer's latest version that matches the filter, by layer name. `versions`
 *  are all the user's, in any order. */
export function latestMatching(versions: LayerVersion[], f: LayerFilter): LayerVersion[] {
  const latest = new Map<string, LayerVersion>();
  for (const v of versions) {
    if (!layerMatches(v, f)) continue;
    const seen = latest.get(v.name);
    if (!seen || seen.version < v.version) latest.set(v.name, v);
  }
  return [...latest.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
