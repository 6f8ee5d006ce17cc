import { describe, expect, it } from 'vitest';
import { MAX_ADMIN_PUBLIC_IDS, MAX_BULK_PUBLIC_IDS } from './public-id-lists.ts';

describe('public_ids[] limits', () => {
  it('allows 100 public_ids in one Admin API resources_by_ids call', () => {
    expect(MAX_ADMIN_PUBLIC_IDS).toBe(100);
  });

  it('allows 1000 public_ids in one Upload API tags, context or metadata call', () => {
    expect(MAX_BULK_PUBLIC_IDS).toBe(1000);
  });
});
