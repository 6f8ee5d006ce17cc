// Conditionals, user variables and arithmetic expressions end to end (issue 19 item 3): URLs and eager
// lists built by the official SDK, delivered by a cluster, checked by the size of what comes back; a
// condition on tags, context or metadata follows the asset when they change.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Result = Record<string, unknown> & { public_id: string; version: number; eager?: Array<Record<string, unknown>> };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .png()
    .toBuffer();
}

async function upload(publicId: string, bytes: Buffer, options: Record<string, unknown> = {}): Promise<Result> {
  const dataUri = `data:image/png;base64,${bytes.toString('base64')}`;
  return (await cloudinary.uploader.upload(dataUri, { public_id: publicId, overwrite: true, ...options })) as Result;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  await upload('wide', await png(600, 300));
  await upload('tall', await png(300, 600));
  await upload('flag', await png(400, 200));
  await cloudinary.api.add_metadata_field({ external_id: 'grade', label: 'Grade', type: 'string' });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Delivery URLs exactly as the SDK builds them, pointed at our host with `cname`. */
function sdkUrl(publicId: string, options: Record<string, unknown>): string {
  return cloudinary.url(publicId, {
    secure: false,
    cname: new URL(cluster.baseUrl).host,
    urlAnalytics: false,
    analytics: false,
    format: 'png',
    ...options,
  });
}

async function deliver(url: string): Promise<{ status: number; error: string | null; size: [number, number] | null; etag: string | null }> {
  const response = await fetch(url);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return { status: response.status, error: response.headers.get('x-cld-error'), size: null, etag: null };
  const metadata = await sharp(bytes).metadata();
  return { status: 200, error: null, size: [metadata.width, metadata.height], etag: response.headers.get('etag') };
}

const sizeOf = async (publicId: string, options: Record<string, unknown>) => (await deliver(sdkUrl(publicId, options))).size;

describe('conditions on the size', () => {
  // Landscape: 200 wide; portrait: 100 high. The SDK writes if_ar_gt_1,c_scale,w_200/if_else,c_scale,h_100/if_end.
  const byOrientation = {
    transformation: [{ if: 'aspect_ratio > 1', width: 200, crop: 'scale' }, { if: 'else', height: 100, crop: 'scale' }, { if: 'end' }],
  };

  it('takes the branch the image calls for', async () => {
    expect(sdkUrl('wide', byOrientation)).toContain('/if_ar_gt_1,c_scale,w_200/if_else,c_scale,h_100/if_end/wide.png');
    expect(await sizeOf('wide', byOrientation)).toEqual([200, 100]);
    expect(await sizeOf('tall', byOrientation)).toEqual([50, 100]);
  });

  it('reads w as the size at that point of the chain and iw as the original', async () => {
    // After c_scale,w_100 the wide image is 100 wide: w_lt_200 holds, iw_lt_200 does not.
    const current = {
      transformation: [
        { width: 100, crop: 'scale' },
        { if: 'w_lt_200', width: '2.0', crop: 'scale' },
      ],
    };
    const initial = {
      transformation: [
        { width: 100, crop: 'scale' },
        { if: 'iw_lt_200', width: '2.0', crop: 'scale' },
      ],
    };
    expect(await sizeOf('wide', current)).toEqual([200, 100]);
    expect(await sizeOf('wide', initial)).toEqual([100, 50]);
  });

  it('runs a block until if_end, and nothing of it when the condition fails', async () => {
    const block = {
      transformation: [{ if: 'ar_lt_1' }, { width: 120, height: 120, crop: 'pad' }, { angle: 90 }, { if: 'end' }, { width: 60, crop: 'scale' }],
    };
    expect(await sizeOf('tall', block)).toEqual([60, 60]);
    expect(await sizeOf('wide', block)).toEqual([60, 30]);
  });

  it('answers a malformed condition with a 400 naming it', async () => {
    const answer = await deliver(sdkUrl('wide', { transformation: [{ if: 'w_gt', width: 10 }, { if: 'end' }] }));
    expect([answer.status, answer.error]).toEqual([400, 'Invalid condition in transformation: if_w_gt - ends with an operator where a value belongs']);
    const unpaired = await deliver(sdkUrl('wide', { transformation: [{ width: 10, crop: 'scale' }, { if: 'end' }] }));
    expect([unpaired.status, unpaired.error]).toEqual([400, 'Invalid conditional transformation - if_end without an if_<condition> before it']);
  });
});

describe('variables and arithmetic', () => {
  it('assigns numbers and expressions and uses them later in the chain', async () => {
    expect(await sizeOf('wide', { variables: [['$small', 150]], width: '$small', crop: 'scale' })).toEqual([150, 75]);
    const quarter = { transformation: [{ variables: [['$w', 'initial_width / 4']] }, { width: '$w', crop: 'scale' }] };
    expect(sdkUrl('tall', quarter)).toContain('/$w_iw_div_4/c_scale,w_$w/tall.png');
    expect(await sizeOf('tall', quarter)).toEqual([75, 150]);
  });

  it('computes sizes from the asset (iw * 0.5 + 10)', async () => {
    expect(await sizeOf('wide', { width: 'iw * 0.5 + 10', height: 'ih - 100', crop: 'fill' })).toEqual([310, 200]);
  });

  it('is one derivative with the plain URL it resolves to', async () => {
    const computed = await deliver(sdkUrl('wide', { width: 'iw / 3', crop: 'scale' }));
    const plain = await deliver(sdkUrl('wide', { width: 200, crop: 'scale' }));
    expect(computed.size).toEqual([200, 100]);
    expect(computed.etag).toBe(plain.etag);
  });

  it('answers division by zero and an undefined variable with a 400', async () => {
    const zero = await deliver(sdkUrl('wide', { width: 'iw / face_count', crop: 'scale' }));
    expect([zero.status, zero.error]).toEqual([400, 'Invalid expression in transformation: w_iw_div_fc - division by zero']);
    const undefinedVariable = await deliver(sdkUrl('wide', { width: '$nope', crop: 'scale' }));
    expect([undefinedVariable.status, undefinedVariable.error]).toEqual([
      400,
      'Invalid expression in transformation: w_$nope - variable $nope is not defined (assign it first: $nope_<value>)',
    ]);
  });
});

describe('conditions on tags, context and metadata follow the asset', () => {
  it('flips when a tag is added and removed', async () => {
    const onSale = { transformation: [{ if: '!sale!_in_tags', width: 100, crop: 'scale' }, { if: 'else', width: 50, crop: 'scale' }, { if: 'end' }] };
    expect(await sizeOf('flag', onSale)).toEqual([50, 25]);
    await cloudinary.uploader.add_tag('sale', ['flag']);
    expect(await sizeOf('flag', onSale)).toEqual([100, 50]);
    // The SDK's own spelling of the same question.
    expect(await sizeOf('flag', { if: "tags in ['sale']", width: 80, crop: 'scale' })).toEqual([80, 40]);
    await cloudinary.api.update('flag', { tags: 'other' });
    expect(await sizeOf('flag', onSale)).toEqual([50, 25]);
  });

  it('reads context and structured metadata as they are now', async () => {
    const shoes = { if: 'ctx:!productType! = !shoes!', width: 40, crop: 'scale' };
    expect(await sizeOf('flag', shoes)).toEqual([400, 200]);
    await cloudinary.api.update('flag', { context: 'productType=shoes' });
    expect(await sizeOf('flag', shoes)).toEqual([40, 20]);

    const gradeA = { if: 'md:!grade! = !A!', width: 30, crop: 'scale' };
    expect(await sizeOf('flag', gradeA)).toEqual([400, 200]);
    await cloudinary.uploader.update_metadata({ grade: 'A' }, ['flag']);
    expect(await sizeOf('flag', gradeA)).toEqual([30, 15]);
  });
});

describe('eager', () => {
  it('derives a conditional eager item against the stored asset, as its URL would', async () => {
    const byOrientation = [{ if: 'ar_lt_1', height: 100, crop: 'scale' }, { if: 'else', width: 100, crop: 'scale' }, { if: 'end' }];
    const result = await upload('eager-tall', await png(200, 400), {
      eager: [
        { transformation: byOrientation, format: 'png' },
        { transformation: [{ variables: [['$side', 'ih / 8']] }, { width: '$side', crop: 'scale' }] },
      ],
    });
    expect(result.eager).toHaveLength(2);
    const [conditional, variable] = result.eager!;
    expect(conditional).toMatchObject({
      transformation: 'if_ar_lt_1,c_scale,h_100/if_else,c_scale,w_100/if_end/png',
      width: 50,
      height: 100,
      format: 'png',
    });
    expect(variable).toMatchObject({ transformation: '$side_ih_div_8/c_scale,w_$side', width: 50, height: 100 });
    // The eager URL and the SDK's URL name the derivative the eager job made.
    const served = await deliver(String(conditional!.secure_url));
    expect(served.size).toEqual([50, 100]);
    const onTheFly = await deliver(sdkUrl('eager-tall', { transformation: byOrientation }));
    expect(onTheFly.size).toEqual([50, 100]);
    expect(onTheFly.etag).toBe(served.etag);
  });

  it('refuses a malformed conditional eager item before storing anything', async () => {
    await expect(upload('bad-eager', await png(10, 10), { eager: 'if_w_gt/w_10/if_end' })).rejects.toMatchObject({
      http_code: 400,
      message: 'Invalid condition in transformation: if_w_gt - ends with an operator where a value belongs',
    });
    expect((await fetch(`${cluster.baseUrl}/demo/image/upload/bad-eager.png`)).status).toBe(404);
  });
});
