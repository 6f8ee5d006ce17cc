import { textJob, type TextJobV1 } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { newCompositionIds, submitComposition, type CompositionDependencies } from './composition-batch.ts';
import type { CompositionCall } from './tagged-composition-service.ts';
import { parseTextRequest } from './text-params.ts';

/**
 * `text` (`POST /image/text`): an image of the text, stored as the asset `image/text/<public_id>` and
 * answered as an upload is. Synchronous (the call has no `async`); docs/compositions.md.
 */
export async function generateText(deps: CompositionDependencies, call: CompositionCall): Promise<Record<string, unknown>> {
  if (call.resourceType !== 'image') throw new ApiError(400, `Text is rendered as an image, not ${call.resourceType}`);
  const request = parseTextRequest(call.params);
  const ids = newCompositionIds();
  const payload: TextJobV1 = {
    v: 1,
    jobId: ids.jobId,
    batchId: ids.batchId,
    cloudName: call.cloudName,
    apiKey: call.credentials.apiKey,
    publicId: request.publicId,
    text: request.text,
    style: request.style,
  };
  return submitComposition(deps, {
    cloudName: call.cloudName,
    apiKey: call.credentials.apiKey,
    kind: 'text',
    ids,
    job: { queue: textJob.queue, kind: textJob.kind, payload },
    notificationUrl: undefined,
  });
}
