/**
 * API Gateway v2's custom domain names and API mappings (`/v2/domainnames…`) over Hangar's
 * (app/domain-names.ts). Hangar does not terminate TLS for a domain name: a reverse proxy in
 * front of it does (docs/http-routes.md), so the endpoint configuration (a certificate's ARN,
 * REGIONAL, TLS_1_2) is kept and read back as given, and ApiGatewayDomainName is the host
 * Hangar's API is reached at — where the domain's DNS or proxy points. Mutual TLS is the proxy's
 * too, and refused by name. A name's mappings go with it (DeleteDomainName), and an API's with
 * the API (DeleteApi).
 */
import {
  createApiMapping,
  createDomainName,
  deleteApiMapping,
  deleteDomainName,
  getApiMapping,
  getDomainName,
  listApiMappings,
  listDomainNames,
  updateApiMapping,
  updateDomainName,
} from '../../app/index.ts';
import type { ApiMapping, DomainName, DomainNameInput } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import { apiBase } from '../lambda/functions.ts';
import { tagMapOf } from '../lambda/tags.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { ApiGatewayV2Context } from './context.ts';
import { field, invalid, jsonBody, pageOf, refuse, required } from './shapes.ts';

/** What every domain name reports as its hosted zone: one stable made-up id (no Route 53 here). */
export const HANGAR_HOSTED_ZONE_ID = 'ZHANGAR0000001';

const DOMAIN_REFUSED = {
  mutualTlsAuthentication: 'mutual TLS is for the reverse proxy in front of Hangar, which terminates TLS',
};
const CONFIG_REFUSED = {
  ownershipVerificationCertificateArn: 'it is for mutual TLS, which the reverse proxy in front of Hangar does',
};

/** domainNameConfigurations: at most one (a REGIONAL endpoint), its fields as core takes them. */
function configOf(body: Record<string, unknown>): Omit<DomainNameInput, 'domainName'> {
  const list = field.list(body, 'domainNameConfigurations');
  if (list === undefined || list.length === 0) return {};
  if (list.length > 1) throw invalid('domainNameConfigurations has one configuration on Hangar (a REGIONAL endpoint)');
  const c = list[0];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw invalid('domainNameConfigurations[0] must be an object');
  const o = c as Record<string, unknown>;
  refuse(o, CONFIG_REFUSED);
  return {
    ...(o.certificateArn !== undefined ? { certificateArn: field.string(o, 'certificateArn') ?? null } : {}),
    ...(o.certificateName !== undefined ? { certificateName: field.string(o, 'certificateName') ?? null } : {}),
    ...(o.endpointType != null ? { endpointType: field.string(o, 'endpointType') } : {}),
    ...(o.securityPolicy != null ? { securityPolicy: field.string(o, 'securityPolicy') } : {}),
  };
}

function domainShape(ctx: ApiGatewayV2Context, call: AwsCall, d: DomainName): Record<string, unknown> {
  const c = d.config;
  return {
    apiMappingSelectionExpression: '$request.basepath',
    domainName: d.domainName,
    domainNameArn: `arn:aws:apigateway:${call.caller.region}::/domainnames/${d.domainName}`,
    domainNameConfigurations: [
      {
        apiGatewayDomainName: new URL(apiBase(ctx, call)).hostname,
        ...(c.certificateArn !== null ? { certificateArn: c.certificateArn } : {}),
        ...(c.certificateName !== null ? { certificateName: c.certificateName } : {}),
        domainNameStatus: 'AVAILABLE',
        endpointType: c.endpointType,
        hostedZoneId: HANGAR_HOSTED_ZONE_ID,
        securityPolicy: c.securityPolicy,
      },
    ],
    tags: d.tags,
  };
}

/** The Host the call came to (Hangar's API is reached there). */
const hostHeader = (call: AwsCall): string | undefined => {
  const h = call.headers.host;
  return Array.isArray(h) ? h[0] : h;
};

const mappingShape = (m: ApiMapping): Record<string, unknown> => ({
  apiId: m.apiId,
  apiMappingId: m.apiMappingId,
  apiMappingKey: m.apiMappingKey,
  stage: m.stage,
});

export function domainNameOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const one = '/v2/domainnames/{domainName}';
  const mappings = `${one}/apimappings`;
  return [
    {
      name: 'CreateDomainName',
      method: 'POST',
      path: '/v2/domainnames',
      async run(call) {
        const body = jsonBody(call);
        refuse(body, DOMAIN_REFUSED);
        const d = await createDomainName(
          ctx,
          userOf(call.caller),
          {
            domainName: required(body, 'domainName'),
            ...configOf(body),
            tags: tagMapOf(body, 'tags') ?? {},
          },
          hostHeader(call),
        );
        return { status: 201, body: domainShape(ctx, call, d) };
      },
    },
    {
      name: 'GetDomainNames',
      method: 'GET',
      path: '/v2/domainnames',
      async run(call) {
        const page = pageOf(await listDomainNames(ctx, userOf(call.caller)), call.query);
        return { status: 200, body: { ...page, items: page.items.map((d) => domainShape(ctx, call, d)) } };
      },
    },
    {
      name: 'GetDomainName',
      method: 'GET',
      path: one,
      async run(call, params) {
        return { status: 200, body: domainShape(ctx, call, await getDomainName(ctx, userOf(call.caller), params.domainName as string)) };
      },
    },
    {
      name: 'UpdateDomainName',
      method: 'PATCH',
      path: one,
      async run(call, params) {
        const body = jsonBody(call);
        refuse(body, DOMAIN_REFUSED);
        const d = await updateDomainName(ctx, userOf(call.caller), params.domainName as string, configOf(body));
        return { status: 200, body: domainShape(ctx, call, d) };
      },
    },
    {
      name: 'DeleteDomainName',
      method: 'DELETE',
      path: one,
      async run(call, params) {
        await deleteDomainName(ctx, userOf(call.caller), params.domainName as string);
        return { status: 204 };
      },
    },
    {
      name: 'CreateApiMapping',
      method: 'POST',
      path: mappings,
      async run(call, params) {
        const body = jsonBody(call);
        const m = await createApiMapping(ctx, userOf(call.caller), params.domainName as string, {
          apiId: required(body, 'apiId'),
          stage: required(body, 'stage'),
          apiMappingKey: field.string(body, 'apiMappingKey'),
        });
        return { status: 201, body: mappingShape(m) };
      },
    },
    {
      name: 'GetApiMappings',
      method: 'GET',
      path: mappings,
      async run(call, params) {
        const page = pageOf(await listApiMappings(ctx, userOf(call.caller), params.domainName as string), call.query);
        return { status: 200, body: { ...page, items: page.items.map(mappingShape) } };
      },
    },
    {
      name: 'GetApiMapping',
      method: 'GET',
      path: `${mappings}/{apiMappingId}`,
      async run(call, params) {
        const m = await getApiMapping(ctx, userOf(call.caller), params.domainName as string, params.apiMappingId as string);
        return { status: 200, body: mappingShape(m) };
      },
    },
    {
      // apiId is required (as API Gateway's); stage and apiMappingKey, absent, stay.
      name: 'UpdateApiMapping',
      method: 'PATCH',
      path: `${mappings}/{apiMappingId}`,
      async run(call, params) {
        const body = jsonBody(call);
        const m = await updateApiMapping(ctx, userOf(call.caller), params.domainName as string, params.apiMappingId as string, {
          apiId: required(body, 'apiId'),
          stage: field.string(body, 'stage'),
          apiMappingKey: field.string(body, 'apiMappingKey'),
        });
        return { status: 200, body: mappingShape(m) };
      },
    },
    {
      name: 'DeleteApiMapping',
      method: 'DELETE',
      path: `${mappings}/{apiMappingId}`,
      async run(call, params) {
        await deleteApiMapping(ctx, userOf(call.caller), params.domainName as string, params.apiMappingId as string);
        return { status: 204 };
      },
    },
  ];
}
