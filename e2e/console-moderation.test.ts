import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The moderation review page (/console/moderation) in a real headless Chromium: sign in with the
// cloud's key and secret, review three manually moderated uploads with the keyboard and the mouse,
// and check that the decisions reached the Admin API, the upload's notification_url and delivery.

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(import.meta.dirname, '..', 'docs', 'images', 'moderation-console.png');
const UPLOADS = [
  { publicId: 'review/1-bird', file: 'images/embedgravitybird.png', format: 'png' },
  { publicId: 'review/2-webp', file: 'images/4.webp', format: 'webp' },
  { publicId: 'review/3-cmyk', file: 'images/Channel_digital_image_CMYK_color.jpg', format: 'jpg' },
] as const;

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run scripts/setup.sh (it installs the Debian chromium package) or apt-get install chromium`,
    );
  }
  receiver = await startWebhookReceiver();
  [cluster, browser] = await Promise.all([
    startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  cloudinary = sdkFor(cluster);
  await Promise.all(
    UPLOADS.map(({ publicId, file }) =>
      cloudinary.uploader.upload(fixturePath(file), { public_id: publicId, moderation: 'manual', notification_url: `${receiver.url}/hooks` }),
    ),
  );
  page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  // A policy violation means the page relies on something the Content-Security-Policy refuses.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  await receiver?.close();
});

const cards = () => page.locator('#queue .card');
const card = (publicId: string): Locator => page.locator(`#queue .card[data-public-id="${publicId}"]`);

async function adminModeration(publicId: string): Promise<Array<{ kind: string; status: string }>> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/resources/image/upload/${encodeURIComponent(publicId)}`, {
    headers: { authorization: basicAuthHeader(cluster.credentials) },
  });
  const body = (await response.json()) as { moderation?: Array<{ kind: string; status: string }> };
  expect(response.status).toBe(200);
  return body.moderation ?? [];
}

async function deliveryStatus(publicId: string, format: string): Promise<number> {
  const response = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/${publicId}.${format}`);
  await response.arrayBuffer();
  return response.status;
}

async function moderationWebhooks(count: number): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const bodies = receiver.received.map((webhook) => JSON.parse(webhook.body) as Record<string, unknown>);
    const moderation = bodies.filter((body) => body.notification_type === 'moderation');
    if (moderation.length >= count || Date.now() > deadline) return moderation;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('moderation console in Chromium', () => {
  it('sends a visitor to the login page, and signs in with the API key and secret', async () => {
    const first = await page.goto(`${cluster.baseUrl}/console/moderation`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    expect(first?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.fill('input[name="api_key"]', cluster.credentials.apiKey);
    await page.fill('input[name="api_secret"]', cluster.credentials.apiSecret);
    await Promise.all([page.waitForURL('**/console/moderation'), page.click('button[type="submit"]')]);
    const cookie = (await page.context().cookies()).find((item) => item.name === 'rendition_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console', secure: false });
  });

  it('shows the three pending uploads as loaded thumbnails', async () => {
    await expect.poll(() => cards().count()).toBe(3);
    expect(await cards().evaluateAll((items) => items.map((item) => item.getAttribute('data-public-id')))).toEqual(UPLOADS.map((u) => u.publicId));
    // Every thumbnail went through delivery (c_fill,w_200,h_200) and decoded: naturalWidth stays 0 until then.
    const naturalWidths = () =>
      page.locator('#queue img').evaluateAll((images) => images.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
    await expect.poll(naturalWidths, { timeout: 20_000 }).toEqual([200, 200, 200]);
    const sources = await page.locator('#queue img').evaluateAll((images) => images.map((img) => img.getAttribute('src')));
    for (const source of sources) expect(source).toMatch(/^\/console\/preview\/demo\/image\/upload\/s--[\w-]{8}--\/c_fill,w_200,h_200\/v\d+\/review\//);
  });

  it('approves with the keyboard, moves with j and k, and rejects with the mouse', async () => {
    const [one, two, three] = UPLOADS.map((upload) => card(upload.publicId));
    await expect.poll(() => one!.getAttribute('class')).toContain('selected');
    await page.keyboard.press('a');
    await expect.poll(() => one!.getAttribute('data-status')).toBe('approved');

    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await two!.getAttribute('class')).toContain('selected');
    expect(await one!.getAttribute('class')).not.toContain('selected');

    await three!.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => three!.getAttribute('data-status')).toBe('rejected');
    expect(await three!.getAttribute('class')).toContain('selected');
    expect(await two!.getAttribute('data-status')).toBe('pending');
    expect(await page.locator('#notice').textContent()).toBe(`Rejected ${UPLOADS[2].publicId}`);

    const screenshot = join(tmpdir(), `moderation-console-${process.pid}.png`);
    await page.screenshot({ path: screenshot });
    // The documentation's copy in 256 colours: a third of the size, no visible difference.
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await sharp(screenshot).png({ palette: true, effort: 10 }).toFile(SCREENSHOT);
    expect(pageProblems).toEqual([]);
  });

  it('recorded the decisions: Admin API, moderation webhooks, delivery', async () => {
    const [one, two, three] = UPLOADS;
    expect((await adminModeration(one.publicId))[0]?.status).toBe('approved');
    expect((await adminModeration(two.publicId))[0]?.status).toBe('pending');
    expect((await adminModeration(three.publicId))[0]?.status).toBe('rejected');

    const webhooks = await moderationWebhooks(2);
    const decided = Object.fromEntries(webhooks.map((body) => [body.public_id, body.moderation_status]));
    expect(decided).toEqual({ [one.publicId]: 'approved', [three.publicId]: 'rejected' });

    expect(await deliveryStatus(one.publicId, one.format)).toBe(200);
    expect(await deliveryStatus(three.publicId, three.format)).toBe(404);
  });

  it('still shows a rejected image to the signed-in moderator (and to nobody else)', async () => {
    await page.goto(`${cluster.baseUrl}/console/moderation?resource_type=image&kind=manual&status=rejected`);
    await expect.poll(() => cards().count()).toBe(1);
    const images = () =>
      page.locator('#queue img').evaluateAll((items) => items.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
    await expect.poll(images, { timeout: 20_000 }).toEqual([200]);
    const source = await page.locator('#queue img').first().getAttribute('src');
    const anonymous = await fetch(`${cluster.baseUrl}${source}`);
    await anonymous.arrayBuffer();
    expect(anonymous.status).toBe(401);
  });

  it('refuses a decision posted without the CSRF token', async () => {
    const session = (await page.context().cookies()).find((item) => item.name === 'rendition_console');
    const response = await fetch(`${cluster.baseUrl}/console/moderation/decide`, {
      method: 'POST',
      headers: { cookie: `rendition_console=${session?.value}`, 'content-type': 'application/json' },
      body: JSON.stringify({ public_id: UPLOADS[1].publicId, resource_type: 'image', type: 'upload', status: 'rejected' }),
    });
    const body = (await response.json()) as { error?: { message?: string } };
    expect(response.status).toBe(403);
    expect(body.error?.message).toMatch(/CSRF/);
    expect((await adminModeration(UPLOADS[1].publicId))[0]?.status).toBe('pending');
  });
});
