import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startWebhookReceiver, type CloudinarySdk, type ReceivedWebhook, type WebhookReceiver } from '@rendition/testing';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Documents, item 1 and 3: raw_convert=extract_text (synchronous: the answer carries the finished info)
// and raw_convert=aspose (asynchronous: pending, then the `info` notification), as jobs of the upload's
// batch. Text is compared with poppler's pdftotext of the same page.

type Reply = Record<string, unknown> & {
  info?: { raw_convert?: Record<string, { status: string; data?: Record<string, unknown>; error?: { message: string } }> };
};

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rendition-raw-convert-'));
  receiver = await startWebhookReceiver();
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32', SYNC_UPLOAD_TIMEOUT_MS: '120000' });
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const upload = (file: string, options: Record<string, unknown>) => cloudinary.uploader.upload(file, options) as Promise<Reply>;
const pdftotext = (path: string, page: number) =>
  execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', path, '-'], { encoding: 'utf8' });
const words = (text: string) => text.replace(/\s+/g, ' ').trim();

async function fetchJson(url: string): Promise<Array<{ page: number; text: string }>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as Array<{ page: number; text: string }>;
}

function verify(webhook: ReceivedWebhook): Record<string, unknown> {
  const signature = String(webhook.headers['x-cld-signature']);
  expect(cloudinary.utils.verifyNotificationSignature(webhook.body, Number(webhook.headers['x-cld-timestamp']), signature)).toBe(true);
  return JSON.parse(webhook.body) as Record<string, unknown>;
}

/** A PDF with one blank page: no text layer, as a scan without OCR. */
function blankPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 300] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

describe('raw_convert=extract_text', () => {
  it('answers a synchronous upload with the finished conversion and stores the text per page as a raw JSON asset', async () => {
    const pdf = fixturePath('documents/tracemonkey.pdf');
    const reply = await upload(pdf, { public_id: 'docs/tracemonkey', raw_convert: 'extract_text' });
    expect(reply).toMatchObject({ public_id: 'docs/tracemonkey', format: 'pdf', resource_type: 'image' });
    const entry = reply.info?.raw_convert?.extract_text;
    expect(entry?.status).toBe('complete');
    expect(entry?.data).toMatchObject({
      public_id: 'docs/tracemonkey.extract_text.json',
      resource_type: 'raw',
      type: 'upload',
      url: expect.stringMatching(/\/raw\/upload\/v\d+\/docs\/tracemonkey\.extract_text\.json$/),
      secure_url: expect.stringMatching(/\/raw\/upload\/v\d+\/docs\/tracemonkey\.extract_text\.json$/),
    });
    const pages = await fetchJson(String(entry?.data?.secure_url));
    expect(pages.map((page) => page.page)).toEqual(Array.from({ length: 14 }, (_, index) => index + 1));
    expect(words(pages[0]!.text)).toContain('Trace-based Just-in-Time Type Specialization for Dynamic Languages');
    // Every word pdftotext finds on page 3 is in ours, in order.
    expect(words(pages[2]!.text).replaceAll(' ', '')).toContain(words(pdftotext(pdf, 3)).split(' ').slice(0, 40).join(''));

    // The Admin API shows the same info; the JSON is an asset of its own.
    const resource = (await cloudinary.api.resource('docs/tracemonkey')) as Reply;
    expect(resource.info?.raw_convert?.extract_text).toEqual(entry);
    const json = (await cloudinary.api.resource('docs/tracemonkey.extract_text.json', { resource_type: 'raw' })) as Reply;
    expect(json).toMatchObject({ resource_type: 'raw', public_id: 'docs/tracemonkey.extract_text.json' });
  });

  it('extracts Arabic text from CID TrueType fonts as pdftotext does', async () => {
    const pdf = fixturePath('documents/ArabicCIDTrueType.pdf');
    const reply = await upload(pdf, { raw_convert: 'extract_text' });
    const pages = await fetchJson(String(reply.info?.raw_convert?.extract_text?.data?.secure_url));
    // pdftotext writes presentation forms and ligatures between bidi marks; once both texts are
    // normalised (NFKC) and the marks dropped, they are the same words in the same (reading) order.
    const normalise = (text: string) => words(text.normalize('NFKC').replace(/[\u200e\u200f\u202a-\u202e]/g, ''));
    const lines = pages[0]!.text.split('\n').map(normalise);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toBe('انواع الخطوط العربية');
    expect(normalise(pdftotext(pdf, 1))).toBe(lines.join(' '));
  });

  it('completes with empty text for a PDF without a text layer, and fails (without failing the upload) for an image', async () => {
    const blank = join(dir, 'blank.pdf');
    writeFileSync(blank, blankPdf());
    const scanned = await upload(blank, { raw_convert: 'extract_text' });
    expect(scanned.info?.raw_convert?.extract_text?.status).toBe('complete');
    expect(await fetchJson(String(scanned.info?.raw_convert?.extract_text?.data?.secure_url))).toEqual([{ page: 1, text: '' }]);

    const image = await upload(fixturePath('images/embedgravitybird.png'), { public_id: 'not-a-pdf', raw_convert: 'extract_text' });
    expect(image).toMatchObject({ public_id: 'not-a-pdf', format: 'png' });
    expect(image.info?.raw_convert?.extract_text).toEqual({
      status: 'failed',
      error: { message: 'extract_text applies to PDF documents; not-a-pdf is a png image' },
    });
  });

  it('answers an async upload with pending, and its notification carries the finished info; the batch shows the job', async () => {
    const accepted = await upload(fixturePath('documents/basicapi.pdf'), {
      public_id: 'async-doc',
      raw_convert: 'extract_text',
      async: true,
      notification_url: `${receiver.url}/extract`,
    });
    expect(accepted).toMatchObject({ status: 'pending', public_id: 'async-doc' });
    const [webhook] = await receiver.waitFor(1, { path: '/extract' });
    const payload = verify(webhook!) as Reply;
    expect(payload).toMatchObject({ notification_type: 'upload', public_id: 'async-doc', format: 'pdf' });
    expect(payload.info?.raw_convert?.extract_text).toMatchObject({ status: 'complete', data: { public_id: 'async-doc.extract_text.json' } });

    const state = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${String(accepted.batch_id)}`, {
      headers: { authorization: basicAuthHeader(cluster.credentials) },
    });
    const body = (await state.json()) as { status: string; jobs: Array<{ kind: string; status: string }> };
    expect(body.status).toBe('complete');
    expect(body.jobs.map((job) => [job.kind, job.status])).toEqual([
      ['ingest', 'completed'],
      ['convert', 'completed'],
    ]);
  });

  it('runs on explicit for a PDF already stored', async () => {
    await upload(fixturePath('documents/basicapi.pdf'), { public_id: 'explicit-doc' });
    const reply = (await cloudinary.uploader.explicit('explicit-doc', { type: 'upload', raw_convert: 'extract_text' })) as Reply;
    expect(reply.info?.raw_convert?.extract_text).toMatchObject({ status: 'complete', data: { public_id: 'explicit-doc.extract_text.json' } });
  });

  it('refuses an unknown value with a 400 containing "Raw convert is invalid"', async () => {
    await expect(upload(fixturePath('documents/basicapi.pdf'), { raw_convert: 'ocr_text' })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Raw convert is invalid'),
    });
    await expect(upload(fixturePath('documents/basicapi.pdf'), { raw_convert: 'google_speech:vtt' })).rejects.toMatchObject({
      http_code: 400,
      message: 'Illegal value for parameter raw_convert: Raw convert is invalid: google_speech is not available on this server',
    });
  });
});

describe('raw_convert=aspose (LibreOffice)', () => {
  it(
    'answers pending, notifies the upload at once, then converts to a PDF image asset and sends the info notification',
    { timeout: 120_000 },
    async () => {
      // A .docx made by LibreOffice itself from plain text.
      const text = join(dir, 'memo.txt');
      writeFileSync(text, 'Quarterly memo\nRendition converts office files.\n');
      execFileSync('soffice', ['--headless', `-env:UserInstallation=file://${join(dir, 'profile')}`, '--convert-to', 'docx', '--outdir', dir, text], {
        timeout: 90_000,
      });
      const docx = join(dir, 'memo.docx');
      expect(readFileSync(docx).subarray(0, 2).toString()).toBe('PK');

      const reply = await upload(docx, {
        resource_type: 'raw',
        public_id: 'memo.docx',
        raw_convert: 'aspose',
        notification_url: `${receiver.url}/aspose`,
      });
      expect(reply).toMatchObject({ public_id: 'memo.docx', resource_type: 'raw' });
      expect(reply.info?.raw_convert?.aspose).toEqual({ status: 'pending' });

      const [uploaded, info] = await receiver.waitFor(2, { path: '/aspose', timeoutMs: 100_000 });
      expect(verify(uploaded!)).toMatchObject({
        notification_type: 'upload',
        public_id: 'memo.docx',
        info: { raw_convert: { aspose: { status: 'pending' } } },
      });
      const payload = verify(info!);
      expect(Object.keys(payload).slice(0, 11)).toEqual([
        'info_kind',
        'info_status',
        'asset_id',
        'public_id',
        'uploaded_at',
        'version',
        'url',
        'secure_url',
        'etag',
        'notification_type',
        'info_data',
      ]);
      expect(payload).toMatchObject({
        info_kind: 'aspose',
        info_status: 'complete',
        public_id: 'memo.docx',
        asset_id: reply.asset_id,
        notification_type: 'info',
        info_data: { public_id: 'memo.docx', resource_type: 'image', format: 'pdf' },
      });

      const pdf = (await cloudinary.api.resource('memo.docx', { resource_type: 'image' })) as Reply;
      expect(pdf).toMatchObject({ format: 'pdf', resource_type: 'image', pages: 1 });
      const raw = (await cloudinary.api.resource('memo.docx', { resource_type: 'raw' })) as Reply;
      expect(raw.info?.raw_convert?.aspose).toMatchObject({ status: 'complete', data: { public_id: 'memo.docx', format: 'pdf' } });
    },
  );

  it('fails the conversion (not the upload) for a file LibreOffice cannot read', { timeout: 120_000 }, async () => {
    const garbage = join(dir, 'garbage.docx');
    writeFileSync(garbage, Buffer.from('PK\u0003\u0004 this is not really a zip archive'));
    const reply = await upload(garbage, {
      resource_type: 'raw',
      public_id: 'garbage.docx',
      raw_convert: 'aspose',
      notification_url: `${receiver.url}/garbage`,
    });
    expect(reply.info?.raw_convert?.aspose).toEqual({ status: 'pending' });
    const [, info] = await receiver.waitFor(2, { path: '/garbage', timeoutMs: 100_000 });
    expect(verify(info!)).toMatchObject({ info_kind: 'aspose', info_status: 'failed', info_data: { error: expect.any(String) } });
  });
});
