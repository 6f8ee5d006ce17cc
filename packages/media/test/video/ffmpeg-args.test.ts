import type { GeometryStep, VideoEffect, VideoRecipe, VideoSource } from '@rendition/transform';
import { describe, expect, it } from 'vitest';
import { DEMUXER_BY_FORMAT, DEMUXER_WHITELIST, SAFE_DEMUXERS } from '../../src/video/demuxers.ts';
import { crfFor, sampleRateFor } from '../../src/video/encoder-args.ts';
import { encodedSize, expectedDuration, fpsFilters, MAX_LOOP_INPUTS, recipeArgs, streamingArgs } from '../../src/video/ffmpeg-args.ts';
import { probeArgs, safeInputArgs } from '../../src/video/ffprobe-args.ts';
import { atempoChain, ffmpegColor, geometryFilters, num, previewSegments } from '../../src/video/video-filters.ts';

const SOURCE: VideoSource = { width: 320, height: 240, duration: 2, frameRate: 25, hasVideo: true, hasAudio: true };
const IN = '/scratch/in.mp4';
const OUT = '/scratch/out.mp4';
const SAFE_INPUT = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', DEMUXER_WHITELIST];
const GLOBAL = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
const TAIL = ['-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn', '-max_muxing_queue_size', '4096'];

function recipe(changes: Partial<VideoRecipe> = {}): VideoRecipe {
  return {
    output: { kind: 'video', container: 'mp4' },
    trim: { start: 0, end: null },
    geometry: [],
    size: { width: 320, height: 240 },
    video: { codec: 'h264', profile: null, level: null },
    audio: { codec: 'aac', sampleRate: null },
    bitRate: null,
    quality: null,
    fps: null,
    keyframeIntervalSeconds: null,
    effects: [],
    ...changes,
  };
}

const args = (changes: Partial<VideoRecipe> = {}, source: VideoSource = SOURCE): string[] => recipeArgs(IN, OUT, recipe(changes), { source });
/** The value after `flag` (the first one). */
const valueOf = (list: string[], flag: string): string | undefined => {
  const index = list.indexOf(flag);
  return index < 0 ? undefined : list[index + 1];
};
const graphOf = (list: string[]): string | undefined => valueOf(list, '-filter_complex');
/** The options between the last input and the output name, from the first -map. */
const outputPart = (list: string[]): string[] => list.slice(list.indexOf('-map'));

const red = { text: 'red', r: 255, g: 0, b: 0, alpha: 1 };
const center = { kind: 'compass', direction: 'center' } as const;

describe('input and probe arguments', () => {
  it('whitelists local files and the safe demuxers, and reads the path as a plain file', () => {
    expect(probeArgs('/scratch/a b:c.mp4')).toEqual([
      '-hide_banner',
      '-loglevel',
      'error',
      '-print_format',
      'json',
      '-show_streams',
      '-show_format',
      ...SAFE_INPUT,
      '-i',
      'file:/scratch/a b:c.mp4',
    ]);
    expect(DEMUXER_WHITELIST).toBe('mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,ogg,mp3,wav,flac,aac,aiff,amr,mpeg,mpegts,mxf,gif');
  });

  it('forces a demuxer from the safe list only', () => {
    expect(probeArgs('/scratch/x', 'matroska').slice(-4)).toEqual(['-f', 'matroska', '-i', 'file:/scratch/x']);
    expect(() => probeArgs('/scratch/x', 'hls')).toThrow(TypeError);
    expect(() => probeArgs('/scratch/x', 'concat')).toThrow(TypeError);
  });

  it('refuses relative paths', () => {
    expect(() => safeInputArgs('in.mp4')).toThrow(TypeError);
    expect(() => recipeArgs(IN, 'out.mp4', recipe(), { source: SOURCE })).toThrow(TypeError);
    expect(() => recipeArgs('in.mp4', OUT, recipe(), { source: SOURCE })).toThrow(TypeError);
  });

  it('maps every detected format to a safe demuxer', () => {
    const formats = [
      'mp4',
      'mov',
      'm4v',
      'webm',
      'mkv',
      'avi',
      'flv',
      'ogv',
      '3gp',
      '3g2',
      'mpeg',
      'ts',
      'mxf',
      'mp3',
      'wav',
      'ogg',
      'opus',
      'flac',
      'aac',
      'm4a',
      'aiff',
      'amr',
      'gif',
    ];
    for (const format of formats) expect(SAFE_DEMUXERS).toContain(DEMUXER_BY_FORMAT[format]);
    expect(DEMUXER_BY_FORMAT.webm).toBe('matroska');
    expect(DEMUXER_BY_FORMAT.ts).toBe('mpegts');
  });
});

describe('recipeArgs', () => {
  it('writes a plain transcode', () => {
    expect(args()).toEqual([
      ...GLOBAL,
      ...SAFE_INPUT,
      '-i',
      `file:${IN}`,
      '-filter_complex',
      '[0:v:0]setsar=1,format=yuv420p[v0]',
      '-map',
      '[v0]',
      '-map',
      '0:a:0',
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-crf',
      '23',
      '-c:a',
      'aac',
      ...TAIL,
      '-f',
      'mp4',
      '-movflags',
      '+faststart',
      `file:${OUT}`,
    ]);
  });

  it('trims with input options and passes threads and a forced demuxer', () => {
    const list = recipeArgs(IN, OUT, recipe({ trim: { start: 0.5, end: 1.25 } }), { source: SOURCE, threads: 2, inputDemuxer: 'mov' });
    expect(list.slice(0, list.indexOf('-filter_complex'))).toEqual([
      ...GLOBAL,
      '-filter_complex_threads',
      '2',
      ...SAFE_INPUT,
      '-f',
      'mov',
      '-threads',
      '2',
      '-ss',
      '0.5',
      '-to',
      '1.25',
      '-i',
      `file:${IN}`,
    ]);
    expect(valueOf(outputPart(list), '-threads')).toBe('2');
    expect(() => recipeArgs(IN, OUT, recipe(), { source: SOURCE, threads: 0 })).toThrow(TypeError);
  });

  const pad: GeometryStep = { op: 'pad', left: 10, top: 0, width: 340, height: 240, background: red };
  it.each<[string, GeometryStep[], string]>([
    ['resize', [{ op: 'resize', width: 160, height: 120 }], 'scale=160:120'],
    [
      'cover at the centre',
      [{ op: 'cover', width: 100, height: 100, scaledWidth: 133, scaledHeight: 100, gravity: center }],
      'scale=133:100,crop=100:100:16:0',
    ],
    [
      'cover at the east',
      [{ op: 'cover', width: 100, height: 100, scaledWidth: 133, scaledHeight: 100, gravity: { kind: 'compass', direction: 'east' } }],
      'scale=133:100,crop=100:100:33:0',
    ],
    ['extract', [{ op: 'extract', left: 4, top: 6, width: 100, height: 50, gravity: center }], 'crop=100:50:4:6'],
    ['pad in a colour', [pad], 'pad=340:240:10:0:color=0xff0000@1'],
    ['pad, default background', [{ ...pad, background: null }], 'pad=340:240:10:0:color=black'],
    ['rotate 90', [{ op: 'rotate', degrees: 90, width: 240, height: 320, background: null }], 'transpose=clock'],
    ['rotate 180', [{ op: 'rotate', degrees: 180, width: 320, height: 240, background: null }], 'hflip,vflip'],
    ['rotate 270', [{ op: 'rotate', degrees: 270, width: 240, height: 320, background: null }], 'transpose=cclock'],
    ['rotate 45', [{ op: 'rotate', degrees: 45, width: 396, height: 396, background: null }], 'rotate=45*PI/180:ow=396:oh=396:fillcolor=black'],
    ['vflip', [{ op: 'flip', width: 320, height: 240 }], 'vflip'],
    ['hflip', [{ op: 'flop', width: 320, height: 240 }], 'hflip'],
    ['border', [{ op: 'border', thickness: 4, color: { ...red, alpha: 0.5 }, width: 328, height: 248 }], 'pad=328:248:4:4:color=0xff0000@0.5'],
  ])('geometry: %s', (_name, geometry, filters) => {
    const last = geometry[geometry.length - 1]!;
    expect(graphOf(args({ geometry, size: { width: last.width, height: last.height } }))).toBe(`[0:v:0]${filters},setsar=1,format=yuv420p[v0]`);
  });

  it('crops an odd size to even sides for the 4:2:0 encoders', () => {
    expect(graphOf(args({ geometry: [{ op: 'resize', width: 161, height: 121 }], size: { width: 161, height: 121 } }))).toBe(
      '[0:v:0]scale=161:121,crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0,setsar=1,format=yuv420p[v0]',
    );
    expect(encodedSize(recipe({ size: { width: 161, height: 121 } }))).toEqual({ width: 160, height: 120 });
  });

  it.each<[string, Partial<VideoRecipe>, string[]]>([
    [
      'h264 with profile and level',
      { video: { codec: 'h264', profile: 'baseline', level: '3.1' } },
      ['-c:v', 'libx264', '-preset', 'fast', '-profile:v', 'baseline', '-level:v', '3.1', '-crf', '23'],
    ],
    [
      'h264 unknown profile is left out',
      { video: { codec: 'h264', profile: 'nonsense', level: 'x' } },
      ['-c:v', 'libx264', '-preset', 'fast', '-crf', '23'],
    ],
    [
      'h265 in mp4',
      { video: { codec: 'h265', profile: null, level: null } },
      ['-c:v', 'libx265', '-preset', 'fast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-crf', '28'],
    ],
    [
      'vp8',
      { video: { codec: 'vp8', profile: null, level: null } },
      ['-c:v', 'libvpx', '-deadline', 'good', '-cpu-used', '4', '-crf', '10', '-b:v', '10M'],
    ],
    [
      'vp9',
      { video: { codec: 'vp9', profile: null, level: null } },
      ['-c:v', 'libvpx-vp9', '-deadline', 'good', '-cpu-used', '4', '-row-mt', '1', '-crf', '32', '-b:v', '0'],
    ],
    ['theora', { video: { codec: 'theora', profile: null, level: null } }, ['-c:v', 'libtheora', '-q:v', '7']],
    ['prores', { video: { codec: 'prores', profile: 'hq', level: null } }, ['-c:v', 'prores_ks', '-profile:v', 'hq']],
    ['VBR bit rate', { bitRate: { bitsPerSecond: 500000, constant: false } }, ['-c:v', 'libx264', '-preset', 'fast', '-b:v', '500000']],
    [
      'CBR bit rate',
      { bitRate: { bitsPerSecond: 500000, constant: true } },
      ['-c:v', 'libx264', '-preset', 'fast', '-b:v', '500000', '-minrate', '500000', '-maxrate', '500000', '-bufsize', '500000'],
    ],
    ['q_80', { quality: { kind: 'fixed', value: 80 } }, ['-c:v', 'libx264', '-preset', 'fast', '-crf', '21']],
    ['q_auto:eco', { quality: { kind: 'auto', level: 'eco' } }, ['-c:v', 'libx264', '-preset', 'fast', '-crf', '26']],
    [
      'ki_0.5',
      { keyframeIntervalSeconds: 0.5 },
      ['-c:v', 'libx264', '-preset', 'fast', '-crf', '23', '-force_key_frames', 'expr:gte(t+0.001,n_forced*0.5)'],
    ],
  ])('video encoder: %s', (_name, changes, expected) => {
    const list = outputPart(args(changes));
    expect(list.slice(list.indexOf('-c:v'), list.indexOf('-c:a'))).toEqual(expected);
  });

  it('feeds ProRes 4:2:2 10-bit and everything else 4:2:0', () => {
    expect(graphOf(args({ video: { codec: 'prores', profile: null, level: null } }))).toContain('format=yuv422p10le');
    expect(graphOf(args({ video: { codec: 'vp9', profile: null, level: null } }))).toContain('format=yuv420p');
  });

  it.each([
    ['h264', 1, 40],
    ['h264', 100, 16],
    ['h264', 50, 28],
    ['h265', 80, 23],
    ['vp9', 80, 23],
    ['vp8', 1, 50],
    ['theora', 100, 10],
    ['theora', 1, 0],
  ] as const)('crf of %s q_%i is %i', (codec, value, crf) => {
    expect(crfFor(codec, { kind: 'fixed', value })).toBe(crf);
  });

  it.each<[string, Partial<VideoRecipe>, string[]]>([
    ['af_22050 with aac', { audio: { codec: 'aac', sampleRate: 22050 } }, ['-c:a', 'aac', '-ar', '22050']],
    ['af_44100 with opus → 48000', { audio: { codec: 'opus', sampleRate: 44100 } }, ['-c:a', 'libopus', '-ar', '48000']],
    ['mp3', { audio: { codec: 'mp3', sampleRate: null } }, ['-c:a', 'libmp3lame']],
    ['vorbis', { audio: { codec: 'vorbis', sampleRate: 37800 } }, ['-c:a', 'libvorbis', '-ar', '37800']],
  ])('audio encoder: %s', (_name, changes, expected) => {
    const list = outputPart(args(changes));
    expect(list.slice(list.indexOf('-c:a'), list.indexOf('-map_metadata'))).toEqual(expected);
  });

  it('drops the sound with -an and the picture with -vn', () => {
    expect(outputPart(args({ audio: null }))).toContain('-an');
    expect(outputPart(args({ audio: null }))).not.toContain('0:a:0');
    const silent = args({}, { ...SOURCE, hasAudio: false });
    expect(silent).toContain('-an');
    const noPicture = args({ video: null, size: null });
    expect(noPicture).toContain('-vn');
    expect(graphOf(noPicture)).toBeUndefined();
  });

  it('writes sound-only outputs with the container muxer and br_ as -b:a', () => {
    const list = args({
      output: { kind: 'audio', container: 'mp3' },
      video: null,
      size: null,
      audio: { codec: 'mp3', sampleRate: 44100 },
      bitRate: { bitsPerSecond: 128000, constant: false },
    });
    expect(outputPart(list)).toEqual([
      '-map',
      '0:a:0',
      '-vn',
      '-c:a',
      'libmp3lame',
      '-ar',
      '44100',
      '-b:a',
      '128000',
      ...TAIL,
      '-f',
      'mp3',
      `file:${OUT}`,
    ]);
    expect(valueOf(args({ output: { kind: 'audio', container: 'm4a' }, video: null, size: null }), '-f')).toBe('ipod');
    expect(
      valueOf(args({ output: { kind: 'audio', container: 'wav' }, video: null, size: null, audio: { codec: 'pcm_s16le', sampleRate: null } }), '-c:a'),
    ).toBe('pcm_s16le');
  });

  it.each([
    ['webm', ['-f', 'webm']],
    ['ogv', ['-f', 'ogg']],
    ['mkv', ['-f', 'matroska']],
    ['mov', ['-f', 'mov', '-movflags', '+faststart']],
  ] as const)('container %s', (container, muxer) => {
    expect(args({ output: { kind: 'video', container } }).slice(-1 - muxer.length, -1)).toEqual(muxer);
  });

  it.each<[string, VideoRecipe['fps'], number | null, string[]]>([
    ['fixed', { min: 15, max: 15 }, 25, ['fps=15']],
    ['range holding the source rate', { min: 20, max: 30 }, 25, []],
    ['range below the source rate', { min: 10, max: 20 }, 25, ['fps=20']],
    ['open range above the source rate', { min: 30, max: null }, 25, ['fps=30']],
    ['range, unknown source rate', { min: 12, max: 24 }, null, ['fps=12']],
    ['none', null, 25, []],
  ])('fps %s', (_name, fps, rate, expected) => {
    expect(fpsFilters(fps, rate)).toEqual(expected);
  });

  it('clamps the rate the clip has after a speed-up', () => {
    const list = args({ fps: { min: 20, max: 30 }, effects: [{ name: 'accelerate', factor: 2 }], audio: null });
    expect(graphOf(list)).toBe('[0:v:0]setpts=PTS/2,fps=30,setsar=1,format=yuv420p[v0]');
  });

  it('puts fps before the even crop and pixel format', () => {
    expect(graphOf(args({ fps: { min: 10, max: 10 } }))).toBe('[0:v:0]fps=10,setsar=1,format=yuv420p[v0]');
  });
});

describe('effects', () => {
  const graph = (effects: VideoEffect[], changes: Partial<VideoRecipe> = {}): string | undefined => graphOf(args({ effects, ...changes }));

  it.each<[string, VideoEffect[], string]>([
    ['volume', [{ name: 'volume', factor: 1.5 }], '[0:a:0]volume=1.5[a0];[0:v:0]setsar=1,format=yuv420p[v1]'],
    ['mute', [{ name: 'volume', factor: 0 }], '[0:a:0]volume=0[a0];[0:v:0]setsar=1,format=yuv420p[v1]'],
    ['reverse', [{ name: 'reverse' }], '[0:v:0]reverse,setsar=1,format=yuv420p[v0];[0:a:0]areverse[a1]'],
    ['accelerate ×2', [{ name: 'accelerate', factor: 2 }], '[0:v:0]setpts=PTS/2,setsar=1,format=yuv420p[v0];[0:a:0]atempo=2[a1]'],
    ['slow down ×0.5', [{ name: 'accelerate', factor: 0.5 }], '[0:v:0]setpts=PTS/0.5,setsar=1,format=yuv420p[v0];[0:a:0]atempo=0.5[a1]'],
    [
      'boomerang',
      [{ name: 'boomerang' }],
      '[0:v:0]split=2[v0][v1];[v1]reverse[v2];[v0][v2]concat=n=2:v=1:a=0,setsar=1,format=yuv420p[v3];[0:a:0]asplit=2[a4][a5];[a5]areverse[a6];[a4][a6]concat=n=2:v=0:a=1[a7]',
    ],
    [
      'fade in 500 ms',
      [{ name: 'fade', direction: 'in', durationMs: 500 }],
      '[0:v:0]fade=t=in:st=0:d=0.5,setsar=1,format=yuv420p[v0];[0:a:0]afade=t=in:st=0:d=0.5[a1]',
    ],
    [
      'fade out 500 ms of 2 s',
      [{ name: 'fade', direction: 'out', durationMs: 500 }],
      '[0:v:0]fade=t=out:st=1.5:d=0.5,setsar=1,format=yuv420p[v0];[0:a:0]afade=t=out:st=1.5:d=0.5[a1]',
    ],
  ])('%s', (_name, effects, expected) => {
    expect(graph(effects)).toBe(expected);
  });

  it('fades out at the end of the trimmed and accelerated clip', () => {
    const effects: VideoEffect[] = [
      { name: 'accelerate', factor: 2 },
      { name: 'fade', direction: 'out', durationMs: 200 },
    ];
    expect(graph(effects, { trim: { start: 0.5, end: 1.7 } })).toContain('fade=t=out:st=0.4:d=0.2');
  });

  it('loops by opening the trimmed input once per play, effects before the loop on each play', () => {
    const list = args({
      trim: { start: 0.5, end: 1 },
      effects: [
        { name: 'fade', direction: 'in', durationMs: 100 },
        { name: 'loop', extra: 2 },
        { name: 'volume', factor: 2 },
      ],
    });
    expect(list.filter((item) => item === '-i')).toHaveLength(3);
    expect(list.filter((item) => item === '-ss')).toHaveLength(3);
    expect(graphOf(list)).toBe(
      [
        '[0:v:0]fade=t=in:st=0:d=0.1[v0]',
        '[0:a:0]afade=t=in:st=0:d=0.1[a1]',
        '[1:v:0]fade=t=in:st=0:d=0.1[v2]',
        '[1:a:0]afade=t=in:st=0:d=0.1[a3]',
        '[2:v:0]fade=t=in:st=0:d=0.1[v4]',
        '[2:a:0]afade=t=in:st=0:d=0.1[a5]',
        '[v0][a1][v2][a3][v4][a5]concat=n=3:v=1:a=1[c6][c7]',
        '[c7]volume=2[a8]',
        '[c6]setsar=1,format=yuv420p[v9]',
      ].join(';'),
    );
    expect(outputPart(list).slice(0, 4)).toEqual(['-map', '[v9]', '-map', '[a8]']);
  });

  it('loops with the loop filter past MAX_LOOP_INPUTS plays', () => {
    const list = args({ effects: [{ name: 'loop', extra: MAX_LOOP_INPUTS }] });
    expect(list.filter((item) => item === '-i')).toHaveLength(1);
    expect(graphOf(list)).toBe(
      `[0:v:0]loop=loop=${MAX_LOOP_INPUTS}:size=32767:start=0,setpts=N/(25*TB),setsar=1,format=yuv420p[v0];[0:a:0]aloop=loop=${MAX_LOOP_INPUTS}:size=2147483647:start=0,asetpts=N/SR/TB[a1]`,
    );
  });

  it('previews with evenly spread segments', () => {
    const preview: VideoEffect = { name: 'preview', durationSeconds: 1, maxSegments: 3, minSegmentSeconds: 0.25 };
    expect(previewSegments(preview, 2)).toEqual([
      { start: 0, end: 1 / 3 },
      { start: (2 - 1 / 3) / 2, end: (2 - 1 / 3) / 2 + 1 / 3 },
      { start: 2 - 1 / 3, end: 2 },
    ]);
    expect(previewSegments({ ...preview, minSegmentSeconds: 0.6 }, 2)).toEqual([{ start: 0.5, end: 1.5 }]);
    expect(previewSegments({ ...preview, durationSeconds: 5 }, 2)).toEqual([{ start: 0, end: 2 }]);
    expect(graph([{ ...preview, maxSegments: 2 }])).toBe(
      [
        '[0:v:0]split=2[v0][v1]',
        '[v0]trim=start=0:end=0.5,setpts=PTS-STARTPTS[v2]',
        '[v1]trim=start=1.5:end=2,setpts=PTS-STARTPTS[v3]',
        '[v2][v3]concat=n=2:v=1:a=0,setsar=1,format=yuv420p[v4]',
        '[0:a:0]asplit=2[a5][a6]',
        '[a5]atrim=start=0:end=0.5,asetpts=PTS-STARTPTS[a7]',
        '[a6]atrim=start=1.5:end=2,asetpts=PTS-STARTPTS[a8]',
        '[a7][a8]concat=n=2:v=0:a=1[a9]',
      ].join(';'),
    );
  });

  it('chains atempo for factors beyond one instance', () => {
    expect(atempoChain(0.2)).toEqual(['atempo=0.5', 'atempo=0.5', 'atempo=0.8']);
    expect(atempoChain(250)).toEqual(['atempo=100', 'atempo=2.5']);
  });

  it.each<[string, Partial<VideoRecipe>, number]>([
    ['the whole source', {}, 2],
    ['a trim', { trim: { start: 0.5, end: 1.5 } }, 1],
    ['a trim past the end', { trim: { start: 1.5, end: 9 } }, 0.5],
    [
      'accelerate and loop',
      {
        effects: [
          { name: 'accelerate', factor: 2 },
          { name: 'loop', extra: 2 },
        ],
      },
      3,
    ],
    ['boomerang', { effects: [{ name: 'boomerang' }] }, 4],
    ['preview', { effects: [{ name: 'preview', durationSeconds: 1, maxSegments: 2, minSegmentSeconds: 0.2 }] }, 1],
    ['a frame', { output: { kind: 'frame', at: 1, format: 'png', imagePlan: { components: [] } } }, 0],
  ])('expected duration: %s', (_name, changes, seconds) => {
    expect(expectedDuration(recipe(changes), SOURCE)).toBeCloseTo(seconds, 6);
  });
});

describe('animation and frame', () => {
  it('makes a GIF with one palette per frame, at the vs_ sampling', () => {
    const list = args({ output: { kind: 'animation', format: 'gif', sampling: { kind: 'seconds', value: 0.5 } }, audio: null, video: null });
    expect(graphOf(list)).toBe('[0:v:0]fps=2,split=2[g1][g2];[g2]palettegen=stats_mode=single[p3];[g1][p3]paletteuse=new=1[g4]');
    expect(outputPart(list)).toEqual(['-map', '[g4]', '-c:v', 'gif', '-f', 'gif', '-loop', '0', '-an', ...TAIL, `file:${OUT}`]);
  });

  it('samples a frame count over the clip and makes an animated WebP', () => {
    const list = args({
      output: { kind: 'animation', format: 'webp', sampling: { kind: 'frames', value: 10 } },
      audio: null,
      video: null,
      quality: { kind: 'fixed', value: 60 },
    });
    expect(graphOf(list)).toBe('[0:v:0]fps=5[v0]');
    expect(outputPart(list)).toEqual([
      '-map',
      '[v0]',
      '-c:v',
      'libwebp',
      '-lossless',
      '0',
      '-q:v',
      '60',
      '-f',
      'webp',
      '-loop',
      '0',
      '-an',
      ...TAIL,
      `file:${OUT}`,
    ]);
  });

  it('extracts one frame as PNG, with no geometry', () => {
    const list = recipeArgs(IN, '/scratch/frame.png', recipe({ output: { kind: 'frame', at: 1.5, format: 'jpg', imagePlan: { components: [] } } }), {
      source: SOURCE,
    });
    expect(list).toEqual([
      ...GLOBAL,
      ...SAFE_INPUT,
      '-ss',
      '1.5',
      '-i',
      `file:${IN}`,
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
      '-an',
      ...TAIL,
      '-c:v',
      'png',
      '-pix_fmt',
      'rgb24',
      '-f',
      'image2',
      '-update',
      '1',
      'file:/scratch/frame.png',
    ]);
  });
});

describe('streamingArgs', () => {
  const rung = (width: number, height: number, bitsPerSecond: number, codec: 'h264' | 'vp9' = 'h264'): VideoRecipe =>
    recipe({
      geometry: [{ op: 'resize', width, height }],
      size: { width, height },
      video: { codec, profile: null, level: null },
      bitRate: { bitsPerSecond, constant: false },
    });
  const streaming = (protocol: 'hls' | 'dash', representations: VideoRecipe[], changes: Partial<VideoRecipe> = {}): VideoRecipe =>
    recipe({ output: { kind: 'streaming', protocol, profile: 'sd', representations }, ...changes });

  it('writes HLS: one variant per representation, each with its sound, MPEG-TS for H.264', () => {
    const list = streamingArgs(IN, '/scratch/out', streaming('hls', [rung(160, 120, 200000), rung(320, 240, 500000)]), { source: SOURCE });
    expect(graphOf(list)).toBe(
      '[0:v:0]split=2[s0][s1];[s0]scale=160:120,setsar=1,format=yuv420p[v2];[s1]scale=320:240,setsar=1,format=yuv420p[v3];[0:a:0]asplit=2[a4][a5]',
    );
    expect(outputPart(list)).toEqual([
      '-map',
      '[v2]',
      '-map',
      '[v3]',
      '-map',
      '[a4]',
      '-map',
      '[a5]',
      '-c:v:0',
      'libx264',
      '-preset:v:0',
      'fast',
      '-b:v:0',
      '200000',
      '-c:v:1',
      'libx264',
      '-preset:v:1',
      'fast',
      '-b:v:1',
      '500000',
      '-c:a:0',
      'aac',
      '-c:a:1',
      'aac',
      '-force_key_frames',
      'expr:gte(t+0.001,n_forced*2)',
      ...TAIL,
      '-f',
      'hls',
      '-hls_time',
      '4',
      '-hls_playlist_type',
      'vod',
      '-hls_flags',
      'independent_segments',
      '-hls_segment_type',
      'mpegts',
      '-hls_segment_filename',
      '/scratch/out/stream_%v_%05d.ts',
      '-master_pl_name',
      'master.m3u8',
      '-var_stream_map',
      'v:0,a:0 v:1,a:1',
      '/scratch/out/stream_%v.m3u8',
    ]);
  });

  it('uses fragmented MP4 for other codecs, and whole keyframe intervals per segment', () => {
    const list = streamingArgs(IN, '/scratch/out', streaming('hls', [rung(320, 240, 500000, 'vp9')], { keyframeIntervalSeconds: 3 }), {
      source: SOURCE,
    });
    expect(valueOf(list, '-hls_segment_type')).toBe('fmp4');
    expect(valueOf(list, '-hls_fmp4_init_filename')).toBe('init_%v.mp4');
    expect(valueOf(list, '-hls_segment_filename')).toBe('/scratch/out/stream_%v_%05d.m4s');
    expect(valueOf(list, '-hls_time')).toBe('3');
    expect(valueOf(list, '-force_key_frames')).toBe('expr:gte(t+0.001,n_forced*3)');
  });

  it('writes DASH: one video adaptation set, one sound', () => {
    const list = streamingArgs(
      IN,
      '/scratch/out',
      streaming('dash', [rung(160, 120, 200000), rung(320, 240, 500000)], { trim: { start: 0.5, end: null } }),
      {
        source: SOURCE,
      },
    );
    expect(list.slice(list.indexOf('-ss'), list.indexOf('-ss') + 2)).toEqual(['-ss', '0.5']);
    expect(list.filter((item) => item === '-c:a:0')).toHaveLength(1);
    expect(list.slice(list.indexOf('-f', list.indexOf('-max_muxing_queue_size')))).toEqual([
      '-f',
      'dash',
      '-seg_duration',
      '4',
      '-use_template',
      '1',
      '-use_timeline',
      '1',
      '-adaptation_sets',
      'id=0,streams=v id=1,streams=a',
      '-init_seg_name',
      'init_$RepresentationID$.$ext$',
      '-media_seg_name',
      'chunk_$RepresentationID$_$Number%05d$.$ext$',
      '/scratch/out/manifest.mpd',
    ]);
  });

  it('leaves the sound out for a silent source', () => {
    const list = streamingArgs(IN, '/scratch/out', streaming('hls', [rung(160, 120, 200000)]), { source: { ...SOURCE, hasAudio: false } });
    expect(valueOf(list, '-var_stream_map')).toBe('v:0');
    expect(list).toContain('-an');
  });

  it('streams the sound alone from a sound-only source', () => {
    const sound = recipe({ video: null, size: null, audio: { codec: 'aac', sampleRate: null } });
    const audioOnly: VideoSource = { width: null, height: null, duration: 2, frameRate: null, hasVideo: false, hasAudio: true };
    const hls = streamingArgs(IN, '/scratch/out', streaming('hls', [sound], { video: null, size: null }), { source: audioOnly });
    expect(graphOf(hls)).toBeUndefined();
    expect(outputPart(hls).slice(0, 6)).toEqual(['-map', '0:a:0', '-c:a:0', 'aac', '-vn', ...TAIL.slice(0, 1)]);
    expect(valueOf(hls, '-var_stream_map')).toBe('a:0');
    expect(valueOf(hls, '-hls_segment_type')).toBe('mpegts');
    const dash = streamingArgs(IN, '/scratch/out', streaming('dash', [sound], { video: null, size: null }), { source: audioOnly });
    expect(valueOf(dash, '-adaptation_sets')).toBe('id=0,streams=a');
  });

  it('refuses what it cannot write', () => {
    expect(() => streamingArgs(IN, '/scratch/out', recipe(), { source: SOURCE })).toThrow(TypeError);
    expect(() => streamingArgs(IN, '/scratch/%d', streaming('hls', [rung(160, 120, 1)]), { source: SOURCE })).toThrow(TypeError);
    expect(() => streamingArgs(IN, '/scratch/out', streaming('hls', []), { source: { ...SOURCE, hasAudio: false } })).toThrow(TypeError);
    expect(() => recipeArgs(IN, OUT, streaming('hls', [rung(160, 120, 1)]), { source: SOURCE })).toThrow(TypeError);
  });
});

describe('helpers', () => {
  it.each([
    [1, '1'],
    [0.5, '0.5'],
    [1 / 3, '0.333333'],
    [-0.0000001, '0'],
    [1234567, '1234567'],
  ])('num(%d) = %s', (value, text) => {
    expect(num(value)).toBe(text);
  });

  it('writes colours as 0xRRGGBB@alpha', () => {
    expect(ffmpegColor({ text: 'rgb:0a0b0c80', r: 10, g: 11, b: 12, alpha: 0.502 })).toBe('0x0a0b0c@0.502');
    expect(ffmpegColor(null)).toBe('black');
  });

  it('geometryFilters covers every step kind', () => {
    expect(geometryFilters({ op: 'resize', width: 2, height: 2 })).toEqual(['scale=2:2']);
  });

  it('clamps af_ to the rates an encoder takes', () => {
    expect(sampleRateFor('opus', 22050)).toBe(24000);
    expect(sampleRateFor('mp3', 96000)).toBe(48000);
    expect(sampleRateFor('flac', 96000)).toBe(96000);
  });
});
