export { buildApiServer } from './api-server.ts';
export type { ApiServerOptions } from './api-server.ts';
