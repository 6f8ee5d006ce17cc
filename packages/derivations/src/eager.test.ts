import { describe, expect, it } from 'vitest';
import type { CatalogDb } from '@rendition/catalog';
import { ApiError, DEFAULT_PARAMETER_LIMITS } from '@rendition/protocol';
import { resolveEagerSpecs } from './eager.ts';

// No named transformation (t_) in these lists, so the catalog is never read.
const db = {} as CatalogDb;
const limits = DEFAULT_PARAMETER_LIMITS;
const sizeLimits = { maxDimension: 10_000, maxPixels: 50_000_000 };

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    return error as ApiError;
  }
  throw new Error('expected a 400');
}

describe('eager limits (hardening item 6)', () => {
  const list = (count: number, item = 'w_100'): string => Array.from({ length: count }, () => item).join('|');

  it('refuses more than eagerMaxItems items before expanding any', async () => {
    expect(await resolveEagerSpecs(db, 'demo', list(20), limits)).toHaveLength(20);
    const error = await refusal(resolveEagerSpecs(db, 'demo', list(21), limits));
    expect(error.message).toBe('Too many eager transformations: at most 20 are allowed per request, got 21');
    // A named transformation would need the catalog: the count is refused first.
    expect((await refusal(resolveEagerSpecs(db, 'demo', list(21, 't_missing'), limits))).message).toContain('Too many eager');
    expect(await resolveEagerSpecs(db, 'demo', list(3), { ...limits, eagerMaxItems: 3 })).toHaveLength(3);
  });

  it('sums the projected output pixels when the dimensions are known, and refuses above eagerMaxOutputPixels', async () => {
    const input = { width: 4000, height: 3000 };
    // 100 items of the original's 12 MP: the list of the incident, bounded by count first...
    expect((await refusal(resolveEagerSpecs(db, 'demo', list(100, 'e_sepia'), limits, { input, sizeLimits }))).message).toContain('got 100');
    // ...and 17 of them (204 MP) by the total.
    const error = await refusal(resolveEagerSpecs(db, 'demo', list(17, 'e_sepia'), limits, { input, sizeLimits }));
    expect(error.message).toBe(
      'Eager transformations too large: the 17 items would produce 204000000 pixels in total, at most 200000000 are allowed per request',
    );
    expect(await resolveEagerSpecs(db, 'demo', list(16, 'e_sepia'), limits, { input, sizeLimits })).toHaveLength(16);
    // Relative and absolute sizes are projected from the asset: 2000x1500 + 100x100.
    const tight = { ...limits, eagerMaxOutputPixels: 3_010_000 };
    expect(await resolveEagerSpecs(db, 'demo', 'w_0.5|c_fill,w_100,h_100', tight, { input, sizeLimits })).toHaveLength(2);
    expect((await refusal(resolveEagerSpecs(db, 'demo', 'w_0.5|c_fill,w_101,h_100', tight, { input, sizeLimits }))).message).toContain('3010100');
  });

  it('refuses an item beyond the per-step size limits at intake, as the derive job would', async () => {
    const error = await refusal(resolveEagerSpecs(db, 'demo', 'w_3.0', limits, { input: { width: 4000, height: 3000 }, sizeLimits }));
    expect(error.message).toContain('exceeds the maximum');
  });

  it('without limits (callers that bound nothing) keeps the old behaviour', async () => {
    expect(await resolveEagerSpecs(db, 'demo', list(30))).toHaveLength(30);
  });
});
