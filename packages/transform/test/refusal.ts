import { ApiError } from '@rendition/protocol';
import { expect } from 'vitest';

/** The ApiError that `run` throws; the test fails if it throws something else or nothing. */
export function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    return asApiError(error);
  }
  throw new Error('expected an ApiError, nothing was thrown');
}

/** The ApiError that `run` rejects with; the test fails if it rejects with something else or resolves. */
export async function asyncRefusal(run: () => Promise<unknown>): Promise<ApiError> {
  try {
    await run();
  } catch (error) {
    return asApiError(error);
  }
  throw new Error('expected an ApiError, nothing was thrown');
}

function asApiError(error: unknown): ApiError {
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}
