import type { IngestJobDependencies } from '@rendition/ingest';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS } from '@rendition/media';
import { createGuardedFetcher } from '@rendition/net';
import type { DomainTestServices } from '@rendition/testing';

/**
 * The ingest's dependencies on a domain test's services: a fetcher that allows no remote host, a
 * document engine, no S3 sources, limits large enough for the fixtures. `close` stops what it made.
 */
export function ingestTestDependencies(
  services: DomainTestServices,
  options: { remoteRetries: number; publicBaseUrl: string; secureBaseUrl: string; inMemoryOutputPixels?: number },
): { deps: IngestJobDependencies; close(): Promise<void> } {
  const fetcher = createGuardedFetcher({ allow: [], timeoutMs: 5_000, maxBytes: 1_000_000, maxRedirects: 0 });
  const documents = createDocumentEngine(DEFAULT_DOCUMENT_LIMITS);
  const deps: IngestJobDependencies = {
    db: services.db,
    queues: services.queues,
    logger: services.logger,
    store: services.store,
    fetcher,
    remoteFetch: { budgetMs: 5_000, retries: options.remoteRetries, retryDelayMs: 50 },
    openS3Source: () => Promise.reject(new Error('no s3 sources in this test')),
    limits: {
      maxRemoteBytes: 10_000_000,
      maxUploadBytes: 10_000_000,
      maxDimension: 10_000,
      maxOutputPixels: 50_000_000,
      inMemoryOutputPixels: options.inMemoryOutputPixels ?? 4_000_000,
      maxInputPixels: 100_000_000,
      timeoutSeconds: 30,
    },
    tmpDir: services.scratchDir,
    documents,
    video: { probeLimits: { maxDuration: 3_600, maxPixels: 35_389_440, maxFrameRate: 240 }, timeoutMs: 60_000, maxSyncBytes: 100_000_000 },
    publicBaseUrl: options.publicBaseUrl,
    secureBaseUrl: options.secureBaseUrl,
  };
  return {
    deps,
    async close() {
      await fetcher.close();
      await documents.close();
    },
  };
}
