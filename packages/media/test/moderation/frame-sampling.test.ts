import { describe, expect, it } from 'vitest';
import { DEMUXER_WHITELIST } from '../../src/video/demuxers.ts';
import { frameOffsets, frameSampleArgs, MAX_SAMPLED_FRAMES } from '../../src/moderation/frame-sampling.ts';

describe('frameOffsets', () => {
  it('takes the middle of each equal slice of the clip', () => {
    expect(frameOffsets(4, 2)).toEqual([0.25, 0.75, 1.25, 1.75]);
    expect(frameOffsets(1, 10)).toEqual([5]);
    expect(frameOffsets(2, 60)).toEqual([15, 45]);
    expect(frameOffsets(5, 10)).toEqual([1, 3, 5, 7, 9]);
  });

  it('rounds to milliseconds', () => {
    expect(frameOffsets(3, 1)).toEqual([0.167, 0.5, 0.833]);
    expect(frameOffsets(3, 0.1)).toEqual([0.017, 0.05, 0.083]);
  });

  it('takes one frame at 0 of a clip without duration', () => {
    expect(frameOffsets(5, 0)).toEqual([0]);
  });

  it('refuses a count or duration it cannot honour', () => {
    for (const count of [0, -1, 1.5, MAX_SAMPLED_FRAMES + 1, Number.NaN]) expect(() => frameOffsets(count, 10)).toThrow(TypeError);
    expect(frameOffsets(MAX_SAMPLED_FRAMES, 10)).toHaveLength(MAX_SAMPLED_FRAMES);
    for (const duration of [-0.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => frameOffsets(2, duration)).toThrow(TypeError);
  });
});

describe('frameSampleArgs', () => {
  it('seeks on the input, opens it safely with the demuxer forced, and writes one RGB PNG', () => {
    expect(frameSampleArgs('/scratch/in.mp4', '/scratch/.frames-x/0.png', 1.25, 'mov')).toEqual([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-protocol_whitelist',
      'file,pipe',
      '-format_whitelist',
      DEMUXER_WHITELIST,
      '-f',
      'mov',
      '-ss',
      '1.25',
      '-i',
      'file:/scratch/in.mp4',
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
      '-an',
      '-sn',
      '-dn',
      '-map_metadata',
      '-1',
      '-c:v',
      'png',
      '-compression_level',
      '1',
      '-pix_fmt',
      'rgb24',
      '-f',
      'image2',
      '-update',
      '1',
      'file:/scratch/.frames-x/0.png',
    ]);
  });

  it('does not seek for the first frame', () => {
    const args = frameSampleArgs('/scratch/in.gif', '/scratch/0.png', 0, 'gif');
    expect(args).not.toContain('-ss');
    expect(args.slice(args.indexOf('-f'), args.indexOf('-i') + 2)).toEqual(['-f', 'gif', '-i', 'file:/scratch/in.gif']);
  });

  it('refuses relative paths and demuxers off the whitelist', () => {
    expect(() => frameSampleArgs('in.mp4', '/scratch/0.png', 1, 'mov')).toThrow(TypeError);
    expect(() => frameSampleArgs('/scratch/in.mp4', '0.png', 1, 'mov')).toThrow(TypeError);
    expect(() => frameSampleArgs('/scratch/in.m3u8', '/scratch/0.png', 1, 'hls')).toThrow(TypeError);
  });
});
