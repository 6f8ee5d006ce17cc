import { describe, expect, it } from 'vitest';
import { canonicalString } from './canonical.ts';
import { parseTransformation } from './parse-transformation.ts';
import { PREDEFINED_STREAMING_PROFILES, predefinedStreamingProfile } from './streaming-profiles.ts';

describe('predefined streaming profiles', () => {
  it("are Cloudinary's names, with their display names, all predefined", () => {
    expect(PREDEFINED_STREAMING_PROFILES.map(({ name, displayName, predefined }) => [name, displayName, predefined])).toEqual([
      ['4k', '4K (2160p)', true],
      ['full_hd', 'Full HD (1080p)', true],
      ['hd', 'HD (720p)', true],
      ['sd', 'SD (360p)', true],
      ['full_hd_wifi', 'Full HD WiFi (1080p)', true],
      ['full_hd_lean', 'Full HD Lean (1080p)', true],
      ['hd_lean', 'HD Lean (720p)', true],
      ['auto', 'Automatic', true],
    ]);
  });

  it('have ladders of h264 rungs, each a limited size and a bit rate, in canonical form', () => {
    for (const profile of PREDEFINED_STREAMING_PROFILES) {
      expect(profile.representations.length).toBeGreaterThan(0);
      for (const rung of profile.representations) {
        expect(rung).toMatch(/^br_\d+[km]?,c_limit,h_\d+,vc_h264:(baseline|main|high):\d\.\d,w_\d+$/);
        expect(canonicalString(parseTransformation(rung))).toBe(rung);
      }
    }
  });

  it('list their rungs smallest first, each larger than the one before', () => {
    const box = (rung: string): [number, number] => [Number(/w_(\d+)/.exec(rung)![1]), Number(/h_(\d+)/.exec(rung)![1])];
    for (const profile of PREDEFINED_STREAMING_PROFILES) {
      const boxes = profile.representations.map(box);
      for (let i = 1; i < boxes.length; i++) {
        expect(boxes[i]![0]).toBeGreaterThan(boxes[i - 1]![0]);
        expect(boxes[i]![1]).toBeGreaterThan(boxes[i - 1]![1]);
      }
    }
  });

  it('tops each ladder at the size its name says', () => {
    const top = (name: string): string | undefined => predefinedStreamingProfile(name)?.representations.at(-1);
    expect(top('4k')).toBe('br_35m,c_limit,h_2160,vc_h264:high:5.1,w_3840');
    expect(top('full_hd')).toBe('br_8500k,c_limit,h_1080,vc_h264:high:4.1,w_1920');
    expect(top('hd')).toBe('br_5500k,c_limit,h_720,vc_h264:main:3.1,w_1280');
    expect(top('sd')).toBe('br_2m,c_limit,h_360,vc_h264:baseline:3.0,w_640');
    expect(top('full_hd_lean')).toBe('br_8500k,c_limit,h_1080,vc_h264:high:4.1,w_1920');
    expect(top('hd_lean')).toBe('br_5500k,c_limit,h_720,vc_h264:main:3.1,w_1280');
    expect(top('auto')).toBe('br_8500k,c_limit,h_1080,vc_h264:high:4.1,w_1920');
  });

  it('full_hd_wifi is its own ladder of high-profile rungs at higher bit rates', () => {
    expect(predefinedStreamingProfile('full_hd_wifi')?.representations).toEqual([
      'br_1500k,c_limit,h_360,vc_h264:high:4.0,w_640',
      'br_3m,c_limit,h_540,vc_h264:high:4.0,w_960',
      'br_6m,c_limit,h_720,vc_h264:high:4.0,w_1280',
      'br_10m,c_limit,h_1080,vc_h264:high:4.1,w_1920',
    ]);
  });

  it('are found by exact name only', () => {
    for (const profile of PREDEFINED_STREAMING_PROFILES) expect(predefinedStreamingProfile(profile.name)).toBe(profile);
    expect(predefinedStreamingProfile('HD')).toBeUndefined();
    expect(predefinedStreamingProfile('mine')).toBeUndefined();
    expect(predefinedStreamingProfile('')).toBeUndefined();
  });
});
