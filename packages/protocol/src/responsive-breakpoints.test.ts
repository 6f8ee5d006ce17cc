import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { MAX_BREAKPOINT_IMAGES, MAX_BREAKPOINT_SETTINGS, parseResponsiveBreakpoints } from './responsive-breakpoints.ts';

const defaults = { createDerived: false, bytesStep: 20_000, minWidth: 50, maxWidth: 1000, maxImages: 20, transformation: null, format: null };

function refusal(text: string): ApiError {
  try {
    parseResponsiveBreakpoints(text);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('parseResponsiveBreakpoints', () => {
  it('takes one settings object with Cloudinary defaults', () => {
    expect(parseResponsiveBreakpoints('{"create_derived":true}')).toEqual([{ ...defaults, createDerived: true }]);
    expect(parseResponsiveBreakpoints('{}')).toEqual([defaults]);
  });

  it('takes the array the SDK sends, in order, with every field', () => {
    const text = JSON.stringify([
      { create_derived: true, bytes_step: 10000, min_width: 200, max_width: 800, max_images: 5, transformation: 'e_sepia', format: 'JPEG' },
      { create_derived: false, transformation: 'a_10', format: 'gif' },
    ]);
    expect(parseResponsiveBreakpoints(text)).toEqual([
      { createDerived: true, bytesStep: 10000, minWidth: 200, maxWidth: 800, maxImages: 5, transformation: 'e_sepia', format: 'jpg' },
      { ...defaults, transformation: 'a_10', format: 'gif' },
    ]);
  });

  it('reads numbers and flags sent as text, ignores unknown keys and blank strings', () => {
    const text = JSON.stringify({ create_derived: '1', min_width: '100', max_width: 100, dpr: 2, transformation: '  ', format: '' });
    expect(parseResponsiveBreakpoints(text)).toEqual([{ ...defaults, createDerived: true, minWidth: 100, maxWidth: 100 }]);
  });

  it('asks for nothing with an empty array', () => {
    expect(parseResponsiveBreakpoints('[]')).toEqual([]);
  });

  it('bounds max_images per object and per request', () => {
    expect(parseResponsiveBreakpoints(JSON.stringify({ max_images: MAX_BREAKPOINT_IMAGES }))[0]?.maxImages).toBe(MAX_BREAKPOINT_IMAGES);
    expect(refusal(JSON.stringify({ max_images: MAX_BREAKPOINT_IMAGES + 1 })).message).toBe(
      `Invalid responsive_breakpoints: max_images must be between 1 and ${MAX_BREAKPOINT_IMAGES}, got ${MAX_BREAKPOINT_IMAGES + 1}`,
    );
    expect(refusal(JSON.stringify([{ max_images: 60 }, { max_images: 60 }])).message).toBe(
      `Invalid responsive_breakpoints: max_images adds up to 120 over the settings, at most ${MAX_BREAKPOINT_IMAGES} are allowed per request`,
    );
    const many = JSON.stringify(Array.from({ length: MAX_BREAKPOINT_SETTINGS + 1 }, () => ({ max_images: 1 })));
    expect(refusal(many).message).toContain(`at most ${MAX_BREAKPOINT_SETTINGS} settings objects`);
  });

  it.each([
    ['{', 'not valid JSON'],
    ['null', 'expected an object of settings, got null'],
    ['"text"', 'expected an object of settings, got "text"'],
    ['[{}, 3]', 'expected an object of settings (settings 2), got 3'],
    ['{"bytes_step":-5}', 'bytes_step must be a positive integer, got -5'],
    ['{"bytes_step":0}', 'bytes_step must be a positive integer, got 0'],
    ['{"min_width":10.5}', 'min_width must be a positive integer, got 10.5'],
    ['{"max_width":"wide"}', 'max_width must be a positive integer, got "wide"'],
    ['{"max_images":0}', 'max_images must be a positive integer, got 0'],
    ['{"min_width":500,"max_width":400}', 'min_width 500 is greater than max_width 400'],
    ['{"create_derived":"yes"}', 'create_derived must be true or false, got "yes"'],
    ['{"transformation":{"effect":"sepia"}}', 'transformation must be a string, got {"effect":"sepia"}'],
    ['{"format":"mp4"}', 'format "mp4" is not an image format'],
  ])('refuses %s with a 400 naming the problem', (text, reason) => {
    const error = refusal(text);
    expect(error.status).toBe(400);
    expect(error.message).toContain('Invalid responsive_breakpoints: ');
    expect(error.message).toContain(reason);
    expect(error.toBody()).toEqual({ error: { message: error.message } });
  });

  it('quotes a huge bad value back short', () => {
    expect(refusal(`{"format":"${'x'.repeat(10_000)}"}`).message.length).toBeLessThan(200);
  });
});
