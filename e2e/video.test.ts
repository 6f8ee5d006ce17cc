import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, videoFixture, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Video and audio (issue 11) through the official Node SDK and plain HTTP: uploads answer ffprobe's
// facts in Cloudinary's fields; eager items, on-the-fly URLs, frames and adaptive streams are made by
// ffmpeg on the `video` queue and read back through the delivery URLs with ffprobe.

const run = promisify(execFile);

type Result = Record<string, unknown> & { public_id: string; version: number; eager?: Array<Record<string, unknown>> };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let work: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  work = await mkdtemp(join(tmpdir(), 'rendition-video-e2e-'));
  // 300 KB: the generated clips are below it, so the synchronous-size refusal can be shown with a larger one.
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32', MAX_SYNC_VIDEO_BYTES: '300000', WORKER_CONCURRENCY_VIDEO: '2' });
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const upload = (path: string, options: Record<string, unknown>) => cloudinary.uploader.upload(path, options) as Promise<Result>;

/** ffprobe of a URL's bytes (fetched here, then probed from a file: ffprobe gets no network). */
async function probeUrl(url: string, name: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  expect(response.status, `${url}: ${response.headers.get('x-cld-error') ?? ''}`).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  const path = join(work, name);
  await writeFile(path, bytes);
  return { response, bytes, ...(await probeFile(path)) };
}

async function probeFile(path: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]);
  const parsed = JSON.parse(stdout) as { streams: Array<Record<string, unknown>>; format: Record<string, unknown> };
  const video = parsed.streams.find((stream) => stream.codec_type === 'video');
  const audio = parsed.streams.find((stream) => stream.codec_type === 'audio');
  return { video, audio, duration: Number(parsed.format.duration), format: String(parsed.format.format_name) };
}

describe('uploading video and audio', () => {
  it('answers an mp4 with the probe in Cloudinary fields (types as the reference shows them)', async () => {
    const result = await upload(await videoFixture('mp4'), { resource_type: 'video', public_id: 'clip' });
    expect(result).toMatchObject({
      resource_type: 'video',
      format: 'mp4',
      width: 320,
      height: 240,
      pages: 0,
      rotation: 0,
      frame_rate: 25,
      is_audio: false,
    });
    expect(result.duration).toBeCloseTo(2, 1);
    expect(typeof result.bit_rate).toBe('number');
    expect(result.nb_frames).toBe(50);
    expect(result.video).toMatchObject({ codec: 'h264', pix_format: 'yuv420p' });
    expect(typeof (result.video as Record<string, unknown>).bit_rate).toBe('string');
    expect(result.audio).toMatchObject({ codec: 'aac', frequency: 44100, channels: 2, channel_layout: 'stereo' });
    expect(typeof (result.audio as Record<string, unknown>).bit_rate).toBe('string');
    expect(result.playback_url).toBe(`${cluster.baseUrl}/demo/video/upload/sp_auto/v${result.version}/clip.m3u8`);
    const original = await fetch(String(result.secure_url));
    expect([original.status, original.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    expect((await original.arrayBuffer()).byteLength).toBe(result.bytes);
    // The Admin API shows the same probe.
    const resource = (await cloudinary.api.resource('clip', { resource_type: 'video' })) as Record<string, unknown>;
    for (const field of [
      'width',
      'height',
      'format',
      'pages',
      'playback_url',
      'audio',
      'video',
      'is_audio',
      'frame_rate',
      'bit_rate',
      'duration',
      'rotation',
      'nb_frames',
    ]) {
      expect(resource[field], field).toEqual(result[field]);
    }
  });

  it('detects video and audio by content with resource_type auto; audio is a video with is_audio and no picture fields', async () => {
    const webm = await upload(await videoFixture('webm'), { resource_type: 'auto', public_id: 'auto-webm' });
    expect(webm).toMatchObject({ resource_type: 'video', format: 'webm', width: 320, height: 240 });
    expect(webm).not.toHaveProperty('nb_frames');
    const mp3 = await upload(await videoFixture('mp3'), { resource_type: 'auto', public_id: 'song' });
    expect(mp3).toMatchObject({ resource_type: 'video', format: 'mp3', is_audio: true, video: {} });
    expect(mp3.audio).toMatchObject({ codec: 'mp3', channels: 2 });
    for (const field of ['width', 'height', 'frame_rate', 'nb_frames', 'rotation']) expect(mp3).not.toHaveProperty(field);
  });

  it('reports display size and rotation of a phone video; a silent video has audio {} and no is_audio', async () => {
    const rotated = await upload(await videoFixture('rotated'), { resource_type: 'video', public_id: 'phone' });
    expect(rotated).toMatchObject({ width: 240, height: 320, rotation: 90 });
    const silent = await upload(await videoFixture('silent'), { resource_type: 'video', public_id: 'silent' });
    expect(silent.audio).toEqual({});
    expect(silent).not.toHaveProperty('is_audio');
  });

  it('takes an animated GIF uploaded as a video', async () => {
    const gif = await upload(await videoFixture('gif'), { resource_type: 'video', public_id: 'gif-video' });
    expect(gif).toMatchObject({ resource_type: 'video', format: 'gif', width: 160, height: 120 });
  });

  it.each(['truncated', 'text', 'empty', 'huge'] as const)('refuses a %s file with a 400 and stores nothing', async (name) => {
    const error = await sdkRefusal(upload(await videoFixture(name), { resource_type: 'video', public_id: `bad-${name}` }));
    expect(error.http_code).toBe(400);
    expect(error.message).toMatch(/\w/);
    const found = await sdkRefusal(cloudinary.api.resource(`bad-${name}`, { resource_type: 'video' }));
    expect(found.http_code).toBe(404);
  });

  it('never follows a crafted playlist: an HLS or ffconcat upload is refused as video and fetches nothing', async () => {
    const { hostileVideoFile } = await import('@rendition/testing');
    const trap = await startWebhookReceiver();
    try {
      for (const kind of ['hls', 'ffconcat'] as const) {
        const error = await sdkRefusal(
          upload(await hostileVideoFile(kind, `${trap.url}/${kind}`), { resource_type: 'video', public_id: `hostile-${kind}` }),
        );
        expect(error.http_code).toBe(400);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(trap.received).toEqual([]);
    } finally {
      await trap.close();
    }
  });
});

describe('eager video transformations', () => {
  let uploaded: Result;

  beforeAll(async () => {
    uploaded = await upload(await videoFixture('mp4'), {
      resource_type: 'video',
      public_id: 'eager-clip',
      eager: [
        { width: 160, crop: 'scale', format: 'mp4' },
        { width: 120, height: 120, crop: 'fill', video_codec: 'vp9', format: 'webm' },
        { start_offset: '1', format: 'jpg', width: 100 },
        { audio_codec: 'none', duration: '1', format: 'mp4' },
      ],
    });
  }, 120_000);

  it('answers every item with its size, bytes and URL (synchronous eager)', () => {
    expect(uploaded.eager).toHaveLength(4);
    expect(uploaded.eager![0]).toMatchObject({ transformation: 'c_scale,w_160/mp4', width: 160, height: 120, format: 'mp4' });
    expect(uploaded.eager![1]).toMatchObject({ width: 120, height: 120, format: 'webm' });
    expect(uploaded.eager![2]).toMatchObject({ width: 100, height: 75, format: 'jpg' });
  });

  it('stores what was asked: sizes, codecs and duration read back by ffprobe', async () => {
    const scaled = await probeUrl(String(uploaded.eager![0]!.secure_url), 'e0.mp4');
    expect([scaled.video?.codec_name, scaled.video?.width, scaled.video?.height]).toEqual(['h264', 160, 120]);
    expect(scaled.audio?.codec_name).toBe('aac');
    expect(scaled.duration).toBeCloseTo(2, 1);
    const webm = await probeUrl(String(uploaded.eager![1]!.secure_url), 'e1.webm');
    expect([webm.video?.codec_name, webm.video?.width, webm.video?.height]).toEqual(['vp9', 120, 120]);
    const muted = await probeUrl(String(uploaded.eager![3]!.secure_url), 'e3.mp4');
    expect(muted.audio).toBeUndefined();
    expect(muted.duration).toBeCloseTo(1, 1);
  });

  it('delivers a frame as an image', async () => {
    const response = await fetch(String(uploaded.eager![2]!.secure_url));
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([response.headers.get('content-type'), metadata.format, metadata.width, metadata.height]).toEqual(['image/jpeg', 'jpeg', 100, 75]);
  });

  it('runs eager_async items on the video queue and notifies eager_notification_url with the shared batch_id', async () => {
    const result = await upload(await videoFixture('mp4'), {
      resource_type: 'video',
      public_id: 'async-clip',
      eager: [{ width: 80, crop: 'scale', format: 'mp4' }],
      eager_async: true,
      eager_notification_url: `${receiver.url}/eager`,
    });
    expect(result.eager).toHaveLength(1);
    const placeholder = result.eager![0]!;
    expect(placeholder).toMatchObject({ status: 'processing' });
    expect(String(placeholder.secure_url)).toContain('/video/upload/c_scale,w_80/');
    const [webhook] = await receiver.waitFor(1, { path: '/eager', timeoutMs: 60_000 });
    const timestamp = Number(webhook!.headers['x-cld-timestamp']);
    expect(cloudinary.utils.verifyNotificationSignature(webhook!.body, timestamp, String(webhook!.headers['x-cld-signature']))).toBe(true);
    const body = JSON.parse(webhook!.body) as Record<string, unknown> & { eager: Array<Record<string, unknown>> };
    expect(body).toMatchObject({ notification_type: 'eager', batch_id: placeholder.batch_id, public_id: 'async-clip' });
    expect(body.eager[0]).toMatchObject({ width: 80, height: 60, format: 'mp4' });
    const batch = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${String(placeholder.batch_id)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}` },
    });
    const status = (await batch.json()) as { jobs: Array<{ kind: string; queue: string; progress?: number }> };
    expect(status.jobs.find((job) => job.kind === 'derive-video')).toMatchObject({ queue: 'video', status: 'completed' });
  });

  it('explicit with eager on an existing video derives it; an overwrite drops the old derivatives', async () => {
    const explicit = (await cloudinary.uploader.explicit('eager-clip', {
      resource_type: 'video',
      type: 'upload',
      eager: [{ width: 64, crop: 'scale', format: 'mp4' }],
    })) as Result;
    expect(explicit.eager![0]).toMatchObject({ width: 64, height: 48, format: 'mp4' });
    const url = String(explicit.eager![0]!.secure_url);
    const derived = await fetch(url);
    expect([derived.status, (await derived.arrayBuffer()).byteLength]).toEqual([200, explicit.eager![0]!.bytes]);
    await upload(await videoFixture('mov'), { resource_type: 'video', public_id: 'eager-clip', overwrite: true });
    const stale = url.replace(/\/v\d+\//, '/');
    const again = await probeUrl(stale, 'after-overwrite.mp4');
    expect(again.duration).toBeCloseTo(1, 1);
  });
});

describe('on-the-fly video delivery', () => {
  beforeAll(async () => {
    await upload(await videoFixture('mp4'), { resource_type: 'video', public_id: 'otf' });
  }, 60_000);

  it('derives a URL once and serves it with its type, ETag and Range', async () => {
    const url = `${cluster.baseUrl}/demo/video/upload/w_200,c_scale/otf.mp4`;
    const first = await probeUrl(url, 'otf.mp4');
    expect([first.response.headers.get('content-type'), first.video?.width, first.video?.height]).toEqual(['video/mp4', 200, 150]);
    const etag = first.response.headers.get('etag');
    const part = await fetch(url, { headers: { range: 'bytes=0-99' } });
    expect([part.status, part.headers.get('content-range'), (await part.arrayBuffer()).byteLength]).toEqual([
      206,
      `bytes 0-99/${first.bytes.length}`,
      100,
    ]);
    const cached = await fetch(url, { headers: { 'if-none-match': etag ?? '' } });
    expect(cached.status).toBe(304);
  });

  it('serves a thumbnail: the middle frame by default, so_ picks another, image parameters apply after', async () => {
    const middle = await fetch(`${cluster.baseUrl}/demo/video/upload/otf.jpg`);
    expect([middle.status, middle.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect((await sharp(Buffer.from(await middle.arrayBuffer())).metadata()).width).toBe(320);
    const picked = await fetch(`${cluster.baseUrl}/demo/video/upload/so_0.5,w_64,c_scale,e_grayscale/otf.png`);
    const metadata = await sharp(Buffer.from(await picked.arrayBuffer())).metadata();
    expect([picked.status, metadata.format, metadata.width, metadata.height]).toEqual([200, 'png', 64, 48]);
  });

  it('refuses synchronous work on a video above MAX_SYNC_VIDEO_BYTES with X-Cld-Error', async () => {
    const big = join(work, 'big.mp4');
    await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x480:rate=25:duration=3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-y',
      big,
    ]);
    await upload(big, { resource_type: 'video', public_id: 'big' });
    const response = await fetch(`${cluster.baseUrl}/demo/video/upload/w_100/big.mp4`);
    const message = 'Video is too large to process synchronously, please use an eager transformation with eager_async=true to resolve';
    expect([response.status, response.headers.get('x-cld-error')]).toEqual([400, message]);
    expect(await response.json()).toEqual({ error: { message } });
    const eager = await sdkRefusal(upload(big, { resource_type: 'video', public_id: 'big-eager', eager: [{ width: 100, format: 'mp4' }] }));
    expect([eager.http_code, eager.message]).toEqual([400, message]);
  });
});

describe('adaptive streaming', () => {
  let uploaded: Result;

  beforeAll(async () => {
    uploaded = await upload(await videoFixture('mp4'), { resource_type: 'video', public_id: 'stream' });
  }, 60_000);

  /** Every URI of an HLS playlist, resolved against its URL. */
  function playlistUris(text: string, base: string): string[] {
    const uris: string[] = [];
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (trimmed !== '' && !trimmed.startsWith('#')) uris.push(new URL(trimmed, base).toString());
      for (const match of trimmed.matchAll(/URI="([^"]+)"/g)) uris.push(new URL(match[1]!, base).toString());
    }
    return uris;
  }

  it('serves playback_url (sp_auto HLS): master, rendition playlists and segments, each readable by ffprobe', async () => {
    const master = await fetch(String(uploaded.playback_url));
    expect([master.status, master.headers.get('content-type')]).toEqual([200, 'application/vnd.apple.mpegurl']);
    const text = await master.text();
    expect(text).toContain('#EXTM3U');
    const renditions = playlistUris(text, String(uploaded.playback_url));
    expect(renditions.length).toBeGreaterThan(0);
    for (const [index, rendition] of renditions.entries()) {
      const playlist = await fetch(rendition);
      expect(playlist.status).toBe(200);
      const segments = playlistUris(await playlist.text(), rendition);
      expect(segments.length).toBeGreaterThan(0);
      const segment = await probeUrl(segments[0]!, `segment-${index}.ts`);
      expect(segment.video?.codec_name).toBe('h264');
    }
  });

  it('streams with a custom profile made through the Admin API: one rendition per representation', async () => {
    await cloudinary.api.create_streaming_profile('two_rungs', {
      display_name: 'Two rungs',
      representations: [{ transformation: 'w_160,h_120,c_limit,vc_h264,br_300k' }, { transformation: 'w_320,h_240,c_limit,vc_h264,br_600k' }],
    });
    const url = `${cluster.baseUrl}/demo/video/upload/sp_two_rungs/v${uploaded.version}/stream.m3u8`;
    const master = await fetch(url);
    expect(master.status).toBe(200);
    const text = await master.text();
    expect([...text.matchAll(/RESOLUTION=(\d+x\d+)/g)].map((match) => match[1])).toEqual(['160x120', '320x240']);
    const renditions = playlistUris(text, url);
    expect(renditions).toHaveLength(2);
    for (const [index, rendition] of renditions.entries()) {
      const segments = playlistUris(await (await fetch(rendition)).text(), rendition);
      const segment = await probeUrl(segments[0]!, `custom-${index}.ts`);
      expect([segment.video?.width, segment.video?.height]).toEqual(index === 0 ? [160, 120] : [320, 240]);
    }
  });

  it('serves an sp_sd .mpd (DASH) whose segments ffprobe reads', async () => {
    const url = `${cluster.baseUrl}/demo/video/upload/sp_sd/v${uploaded.version}/stream.mpd`;
    const manifest = await fetch(url);
    expect([manifest.status, manifest.headers.get('content-type')]).toEqual([200, 'application/dash+xml']);
    const text = await manifest.text();
    expect(text).toContain('<MPD');
    const init = /initialization="([^"]+)"/.exec(text)?.[1];
    expect(init).toBeDefined();
    const first = new URL(init!.replace('$RepresentationID$', '0'), url).toString();
    const response = await fetch(first);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});
