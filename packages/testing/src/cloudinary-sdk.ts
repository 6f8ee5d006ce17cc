import { createRequire } from 'node:module';

/**
 * The official SDK, the executable truth of what clients send. Loaded through require because it is
 * CommonJS and its typings omit the internals the tests compare against.
 */
export type CloudinarySdk = {
  config(options: Record<string, unknown>): unknown;
  url(publicId: string, options?: Record<string, unknown>): string;
  uploader: {
    upload(file: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    upload_stream(options: Record<string, unknown>, callback: (error: unknown, result: unknown) => void): NodeJS.WritableStream;
    explicit(publicId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    create_zip(options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    create_archive(options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    multi(tag: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    explode(publicId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    generate_sprite(tag: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    text(text: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    rename(fromPublicId: string, toPublicId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    destroy(publicId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    add_tag(tag: string, publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    remove_tag(tag: string, publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    replace_tag(tag: string, publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    remove_all_tags(publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    add_context(context: string | Record<string, unknown>, publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    remove_all_context(publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    update_metadata(
      metadata: string | Record<string, unknown>,
      publicIds: string[],
      options?: Record<string, unknown>,
    ): Promise<Record<string, unknown>>;
  };
  api: {
    list_streaming_profiles(): Promise<Record<string, unknown>>;
    get_streaming_profile(name: string): Promise<Record<string, unknown>>;
    create_streaming_profile(name: string, options: Record<string, unknown>): Promise<Record<string, unknown>>;
    update_streaming_profile(name: string, options: Record<string, unknown>): Promise<Record<string, unknown>>;
    delete_streaming_profile(name: string): Promise<Record<string, unknown>>;
    create_transformation(name: string, definition: unknown): Promise<Record<string, unknown>>;
    transformation(name: string): Promise<Record<string, unknown>>;
    delete_transformation(name: string): Promise<Record<string, unknown>>;
    resource(publicId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    resources(options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    resources_by_tag(tag: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    resources_by_moderation(kind: string, status: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    update(publicId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    resources_by_ids(publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    restore(publicIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    list_metadata_fields(options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    metadata_field_by_field_id(externalId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    add_metadata_field(field: Record<string, unknown>, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    update_metadata_field(externalId: string, field: Record<string, unknown>, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    delete_metadata_field(externalId: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    update_metadata_field_datasource(
      externalId: string,
      change: { values: Array<Record<string, unknown>> },
      options?: Record<string, unknown>,
    ): Promise<Record<string, unknown>>;
    delete_datasource_entries(externalId: string, entryIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    restore_metadata_field_datasource(externalId: string, entryIds: string[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
  };
  utils: {
    api_sign_request(params: Record<string, unknown>, secret: string, algorithm?: string | null, version?: number | null): string;
    encode_context(values: Record<string, unknown>): string;
    build_upload_params(options: Record<string, unknown>): Record<string, unknown>;
    verify_api_response_signature(publicId: string, version: number | string, signature: string): boolean;
    verifyNotificationSignature(body: string, timestamp: number, signature: string, validFor?: number): boolean;
    webhook_signature(body: string, timestamp: number, options: Record<string, unknown>): string;
    download_backedup_asset(assetId: string, versionId: string, options?: Record<string, unknown>): string;
    private_download_url(publicId: string, format: string | null, options?: Record<string, unknown>): string;
    download_zip_url(options?: Record<string, unknown>): string;
    download_archive_url(options?: Record<string, unknown>): string;
    download_folder(folderPath: string, options?: Record<string, unknown>): string;
  };
};

const require = createRequire(import.meta.url);

/**
 * Loads the SDK. The SDK picks http or https from CLOUDINARY_URL's upload_prefix when first loaded,
 * so set process.env.CLOUDINARY_URL before the first call.
 */
export function loadCloudinarySdk(): CloudinarySdk {
  return (require('cloudinary') as { v2: CloudinarySdk }).v2;
}
