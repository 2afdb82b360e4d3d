/** API Gateway v2 clients for tests: the real SDK client, signing with a Hangar key, no retries. */
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { REGION } from './lambda.ts';

export function apiGatewayClient(url: string, k: { keyId: string; key: string }): ApiGatewayV2Client {
  return new ApiGatewayV2Client({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
    maxAttempts: 1,
  });
}
