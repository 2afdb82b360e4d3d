/**
 * A CORS configuration as AWS's APIs write it: Lambda's function URLs (`Cors`, PascalCase
 * members) and API Gateway v2 (`corsConfiguration`, camelCase members) have the same six
 * members, mapped here once onto Hangar's CorsConfig (core/http-api/cors.ts checks the values).
 */
import { type CorsConfig, type ErrorCode, InvalidInput } from '../core/index.ts';
import { field } from './lambda/shapes.ts';

/** How a service spells a member: Lambda as is (`AllowOrigins`), API Gateway v2 in camelCase. */
export type Casing = 'pascal' | 'camel';

const spell = (name: string, casing: Casing) => (casing === 'pascal' ? name : `${name[0]?.toLowerCase()}${name.slice(1)}`);

/** The CORS member `member` of `body` (`Cors`, `corsConfiguration`); absent: undefined. */
export function corsFromAws(body: Record<string, unknown>, member: string, casing: Casing, code: ErrorCode): CorsConfig | undefined {
  const c = field.object(body, member);
  if (!c) return undefined;
  const strings = (name: string): string[] => {
    const list = field.list(c, spell(name, casing)) ?? [];
    if (!list.every((v) => typeof v === 'string'))
      throw new InvalidInput(code, `${member}.${spell(name, casing)} must be a list of strings`);
    return list as string[];
  };
  return {
    allowOrigins: strings('AllowOrigins'),
    allowMethods: strings('AllowMethods'),
    allowHeaders: strings('AllowHeaders'),
    exposeHeaders: strings('ExposeHeaders'),
    maxAgeS: field.integer(c, spell('MaxAge', casing)),
    allowCredentials: field.boolean(c, spell('AllowCredentials', casing)) ?? false,
  };
}

export function corsToAws(c: CorsConfig, casing: Casing): Record<string, unknown> {
  const shape: Record<string, unknown> = {
    AllowCredentials: c.allowCredentials,
    AllowHeaders: c.allowHeaders,
    AllowMethods: c.allowMethods,
    AllowOrigins: c.allowOrigins,
    ExposeHeaders: c.exposeHeaders,
    ...(c.maxAgeS !== undefined ? { MaxAge: c.maxAgeS } : {}),
  };
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [spell(k, casing), v]));
}
