import type { Migration } from 'kysely/migration';
import * as initial from './0001-initial.ts';
import * as batchesAndWebhooks from './0002-batches-and-webhooks.ts';
import * as derived from './0003-derived.ts';
import * as assetManagement from './0004-asset-management.ts';
import * as uploadPresets from './0005-upload-presets.ts';
import * as assetQueryIndexes from './0006-asset-query-indexes.ts';
import * as structuredMetadata from './0007-structured-metadata.ts';
import * as backups from './0008-backups.ts';
import * as orderedBatchResults from './0009-ordered-batch-results.ts';
import * as largeUploads from './0010-large-uploads.ts';
import * as assetInfo from './0011-asset-info.ts';
import * as videoMedia from './0012-video-media.ts';
import * as streamingProfiles from './0013-streaming-profiles.ts';
import * as moderation from './0014-moderation.ts';
import * as searchIndexes from './0015-search-indexes.ts';
import * as folders from './0016-folders.ts';
import * as listingOrder from './0017-listing-order.ts';
import * as updateSettings from './0018-update-settings.ts';
import * as metadataExtras from './0019-metadata-extras.ts';
import * as searchTagWords from './0020-search-tag-words.ts';
import * as fetchDelivery from './0021-fetch-delivery.ts';
import * as authTokenKey from './0022-auth-token-key.ts';
import * as rateLimits from './0023-rate-limits.ts';
import * as transformationSettings from './0024-transformation-settings.ts';
import * as uploadMappings from './0025-upload-mappings.ts';
import * as searchAssetCounts from './0026-search-asset-counts.ts';
import * as assetAnalysis from './0027-asset-analysis.ts';
import * as settingsChangeNotices from './0028-settings-change-notices.ts';
import * as deliveryChangeNotices from './0029-delivery-change-notices.ts';
import * as statementAbort from './0030-statement-abort.ts';
import * as jobInlineBytes from './0031-job-inline-bytes.ts';
import * as tagWordsOfTaggedRows from './0032-tag-words-of-tagged-rows.ts';

/** Migrations live in code (not a folder scan) so they ship inside the one image and run in order by name. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-batches-and-webhooks': batchesAndWebhooks,
  '0003-derived': derived,
  '0004-asset-management': assetManagement,
  '0005-upload-presets': uploadPresets,
  '0006-asset-query-indexes': assetQueryIndexes,
  '0007-structured-metadata': structuredMetadata,
  '0008-backups': backups,
  '0009-ordered-batch-results': orderedBatchResults,
  '0010-large-uploads': largeUploads,
  '0011-asset-info': assetInfo,
  '0012-video-media': videoMedia,
  '0013-streaming-profiles': streamingProfiles,
  '0014-moderation': moderation,
  '0015-search-indexes': searchIndexes,
  '0016-folders': folders,
  '0017-listing-order': listingOrder,
  '0018-update-settings': updateSettings,
  '0019-metadata-extras': metadataExtras,
  '0020-search-tag-words': searchTagWords,
  '0021-fetch-delivery': fetchDelivery,
  '0022-auth-token-key': authTokenKey,
  '0023-rate-limits': rateLimits,
  '0024-transformation-settings': transformationSettings,
  '0025-upload-mappings': uploadMappings,
  '0026-search-asset-counts': searchAssetCounts,
  '0027-asset-analysis': assetAnalysis,
  '0028-settings-change-notices': settingsChangeNotices,
  '0029-delivery-change-notices': deliveryChangeNotices,
  '0030-statement-abort': statementAbort,
  '0031-job-inline-bytes': jobInlineBytes,
  '0032-tag-words-of-tagged-rows': tagWordsOfTaggedRows,
};
