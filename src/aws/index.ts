/** The AWS-compatible API (docs/aws.md): SigV4, the protocols, and one adapter per service. */
export { registerAws, AwsEdge, signedBy, type AwsContext } from './routes.ts';
export { accountIdOf, arn, functionArn, layerArn } from './identity.ts';
export { verifySigV4, parseAuthorization, type SignedRequest, type SigV4Authorization } from './sigv4.ts';
export { AwsError, SignatureRefused, Refusal } from './errors.ts';
export { Protocol, type AwsService, type AwsCall, type AwsCaller, type AwsReply } from './service.ts';
