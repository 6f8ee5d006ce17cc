import type { FastifyRequest } from 'fastify';
import type { ApiCredentials } from '@rendition/catalog';
import type { RawParams } from '@rendition/protocol';
import { DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_FIELDS_TOTAL_BYTES, type BodyLimits } from './body-limits.ts';
import type { TextValue } from './text-value.ts';

/** What the body guard (body-guard.ts) decided about a request before its body was read. */
export interface RequestBodyState {
  limits: BodyLimits;
  /** The route is an upload: its `file` may be large. */
  takesFile: boolean;
  /** Basic credentials, checked before the body was read. */
  basic?: ApiCredentials;
  /** For an upload without Basic credentials: refuses what the parameters seen so far doom. */
  gate?: (params: RawParams) => Promise<void>;
  /** A urlencoded or JSON upload's `file` value that went to disk while the body was parsed. */
  spilledFile?: TextValue;
}

const states = new WeakMap<FastifyRequest, RequestBodyState>();

export function setRequestBodyState(request: FastifyRequest, state: RequestBodyState): void {
  states.set(request, state);
}

/** The state the guard left; a server built without the guard (unit tests) gets the default limits. */
export function requestBodyState(request: FastifyRequest): RequestBodyState {
  let state = states.get(request);
  if (!state) {
    state = {
      limits: {
        maxUploadBytes: 100 * 1024 * 1024,
        maxDataUriBytes: 60 * 1024 * 1024,
        maxFieldBytes: DEFAULT_MAX_FIELD_BYTES,
        maxFieldsTotalBytes: DEFAULT_MAX_FIELDS_TOTAL_BYTES,
      },
      takesFile: false,
    };
    states.set(request, state);
  }
  return state;
}

/** Basic credentials the guard already checked, if any. */
export function preAuthenticatedBasic(request: FastifyRequest): ApiCredentials | undefined {
  return states.get(request)?.basic;
}

/** Hands over (once) the `file` value a body parser put on disk; the taker discards it. */
export function takeSpilledFile(request: FastifyRequest): TextValue | undefined {
  const state = states.get(request);
  const file = state?.spilledFile;
  if (state) delete state.spilledFile;
  return file;
}
