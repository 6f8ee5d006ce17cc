import { describe, expect, it } from 'vitest';
import { checkAddOnParams } from './add-on-params.ts';
import { ApiError } from './api-error.ts';

function refusal(params: Record<string, string>): unknown {
  try {
    checkAddOnParams(params);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('checkAddOnParams', () => {
  it.each([
    [{}],
    [{ detection: 'coco' }],
    [{ detection: 'coco_v2, lvis,cld-fashion' }],
    [{ background_removal: 'cloudinary_ai' }],
    [{ background_removal: ' pixelz ' }],
    [{ categorization: 'google_tagging,imagga_tagging' }],
    [{ tags: 'illegal' }],
  ])('accepts %j', (params) => {
    expect(refusal(params)).toBeUndefined();
  });

  it.each([
    [{ detection: 'illegal' }, "Illegal value for parameter detection: Detection invalid model 'illegal'"],
    [{ detection: 'coco,nope' }, "Illegal value for parameter detection: Detection invalid model 'nope'"],
    [{ detection: 'coco,' }, "Illegal value for parameter detection: Detection invalid model ''"],
    [{ background_removal: 'illegal' }, 'Illegal value for parameter background_removal: Background removal illegal is invalid'],
    [{ categorization: 'illegal' }, 'Illegal value for parameter categorization: Categorization illegal is invalid'],
    [{ categorization: 'google_tagging,x' }, 'Illegal value for parameter categorization: Categorization x is invalid'],
  ])("refuses %j with a 400 carrying Cloudinary's words", (params, message) => {
    const error = refusal(params);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message });
  });

  it('shortens a long value in the message', () => {
    const error = refusal({ background_removal: 'x'.repeat(500) }) as ApiError;
    expect(error.message.length).toBeLessThan(200);
  });
});
