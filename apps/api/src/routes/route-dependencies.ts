import type { ApiServerOptions } from '../api-server.ts';

/** Everything the API server was built with: routes take what they need from it. */
export type ApiServerRouteDependencies = ApiServerOptions;
