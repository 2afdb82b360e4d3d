/** What the API Gateway v2 adapter's operations need. */
import type { DomainNamesApp, HttpApisApp, TagsApp } from '../../app/index.ts';

export interface ApiGatewayV2Context extends HttpApisApp, TagsApp, DomainNamesApp {
  config: {
    awsRegion: string;
    /** Where Hangar's API is reached (an API's ApiEndpoint is on it); by default the request's Host. */
    publicUrl?: string;
    tlsCert?: string;
  };
}
