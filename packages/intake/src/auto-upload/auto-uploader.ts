import { findLongestUploadMapping, firstApiKeyOfCloud } from '@rendition/catalog';
import { displayUrl } from '@rendition/net';
import { ApiError, parseUploadRequest, type DeliveryPath } from '@rendition/protocol';
import { acceptUpload, sourceFromFileParameter, type IntakeDependencies } from '../intake-service.ts';
import { createFailureMemory } from './failure-memory.ts';
import { autoUploadTarget, mappingFolderCandidates, type AutoUploadTarget } from './mapped-source.ts';
import { createSingleFlight } from './single-flight.ts';

/** AUTO_UPLOAD_* (docs/fetch-delivery.md, "Auto-upload (upload mappings)"). */
export interface AutoUploadSettings {
  /** How long a failed auto-upload is answered again without asking the remote server; 0: never remembered. */
  failureTtlSeconds: number;
  /** How many failures one process remembers at most (the oldest is forgotten first). */
  maxRememberedFailures: number;
}

export interface AutoUploader {
  /**
   * Called when a delivery URL names no asset. True once the asset has been uploaded from the URL its
   * folder's upload mapping gives (or another request stored it meanwhile); false when no mapping
   * applies (the usual 404). A source that could not be uploaded is a 404 naming why; our own
   * failures (queue, a slow ingest) are 503s, tried again on the next request.
   */
  uploadMissing(path: DeliveryPath): Promise<boolean>;
}

/**
 * Cloudinary's auto-upload (lazy migration): the first delivery of `<folder>/<rest>` in a folder with
 * an upload mapping uploads `<template><rest>` as that public_id through the very path an upload with
 * `file=<url>` takes (SSRF guard, size and pixel limits, one ingest job, the catalog's uniqueness:
 * `overwrite=false`, so concurrent first requests store one asset). Within this process concurrent
 * requests for one public_id share one upload, and a failure is remembered for a while.
 */
export function createAutoUploader(deps: IntakeDependencies, settings: AutoUploadSettings): AutoUploader {
  const failures = createFailureMemory({ ttlSeconds: settings.failureTtlSeconds, maxEntries: settings.maxRememberedFailures });
  const once = createSingleFlight<void>();
  return {
    async uploadMissing(path) {
      if (path.type !== 'upload') return false;
      const mapping = await findLongestUploadMapping(deps.db, path.cloudName, mappingFolderCandidates(path.publicIdWithExt));
      const target = mapping && autoUploadTarget(path, mapping);
      if (!target) return false;
      // The remote URL is part of the key: a mapping given a new template is tried at once.
      const key = [path.cloudName, path.resourceType, target.publicId, target.remoteUrl].join('\0');
      const remembered = failures.recall(key);
      if (remembered) throw remembered;
      await once(key, async () => {
        try {
          await uploadFromMapping(deps, path, target);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          const failure = deliveryFailure(error, path, target);
          if (failure.status === 404) failures.remember(key, failure);
          throw failure;
        }
      });
      return true;
    },
  };
}

async function uploadFromMapping(deps: IntakeDependencies, path: DeliveryPath, target: AutoUploadTarget): Promise<void> {
  // A template is an http(s) URL (the Admin API refuses others); sourceFromFileParameter would also read s3:// here.
  if (!/^https?:\/\//i.test(target.remoteUrl))
    throw new ApiError(400, 'Unsupported source URL: upload mappings auto-upload from http and https URLs only');
  const key = await firstApiKeyOfCloud(deps.db, path.cloudName);
  if (!key) throw new ApiError(400, `Cloud ${path.cloudName} has no API key to upload with`);
  const request = parseUploadRequest({ public_id: target.publicId, overwrite: 'false' }, path.resourceType, deps.limits.parameters);
  const { source } = await sourceFromFileParameter(deps, target.remoteUrl);
  await acceptUpload(deps, { cloudName: path.cloudName, apiKey: key.apiKey, request, source });
}

/**
 * What the delivery answers when the upload failed. A refusal of the source (remote 404, unreachable,
 * not an image, too large, an address the SSRF policy refuses) is the delivery's 404, with the
 * upload's reason; the URL is shown without its query, where a template's credentials would be.
 * Ours (the queue is down, the ingest outlasted SYNC_UPLOAD_TIMEOUT_MS and goes on in the background)
 * is a 503: the next request finds the asset, or tries again.
 */
function deliveryFailure(error: ApiError, path: DeliveryPath, target: AutoUploadTarget): ApiError {
  if (error.status < 500) {
    const reason = error.message.replaceAll(target.remoteUrl, displayUrl(target.remoteUrl));
    return new ApiError(404, `Resource not found - ${path.publicIdWithExt}: auto-upload failed: ${reason}`, { cause: error });
  }
  if (error.status === 503) return error;
  return new ApiError(503, `Service unavailable: ${path.publicIdWithExt} has not been auto-uploaded yet, try again shortly`, {
    cause: error,
    expose: true,
  });
}
