import { createRequire } from 'node:module';

/**
 * The official SDK, the executable truth of what clients send. Loaded through require because it is
 * CommonJS and its typings omit the internals the tests compare against.
 */
export type CloudinarySdk = {
  config(options: Record<string, unknown>): unknown;
  url(publicId: string, options?: Record<string, unknown>): string;
  utils: {
    api_sign_request(params: Record<string, unknown>, secret: string, algorithm?: string | null, version?: number | null): string;
    encode_context(values: Record<string, unknown>): string;
    build_upload_params(options: Record<string, unknown>): Record<string, unknown>;
    verify_api_response_signature(publicId: string, version: number | string, signature: string): boolean;
    verifyNotificationSignature(body: string, timestamp: number, signature: string, validFor?: number): boolean;
    webhook_signature(body: string, timestamp: number, options: Record<string, unknown>): string;
  };
};

const require = createRequire(import.meta.url);
export const cloudinary = (require('cloudinary') as { v2: CloudinarySdk }).v2;
