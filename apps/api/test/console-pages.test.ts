import { describe, expect, it } from 'vitest';
import { parseDeliveryPath, urlSignature } from '@rendition/protocol';
import { escapeHtml, markup } from '../src/console/html.ts';
import { moderationPageUrl, parseFilters } from '../src/console/filters.ts';
import { renderLoginPage, renderModerationPage } from '../src/console/pages.ts';
import { reviewItems, type ReviewItem } from '../src/console/review-items.ts';
import { PREVIEW_PREFIX, thumbnailUrl } from '../src/console/thumbnails.ts';

// The console's HTML: every user string escaped, thumbnails through signed delivery URLs, filters.

const caller = { cloudName: 'demo', apiSecret: 'secret' };
const hostile = `"><script>alert('x')</script><img src=x onerror=alert(1)>&`;

const item = (overrides: Partial<ReviewItem> = {}): ReviewItem => ({
  publicId: 'cats/tabby',
  resourceType: 'image',
  type: 'upload',
  version: 1712345678,
  format: 'png',
  kind: 'manual',
  status: 'pending',
  ...overrides,
});

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes interpolations unless they are markup it made, nested and in arrays', () => {
    const inner = markup`<b>${'<i>'}</b>`;
    expect(markup`<p title="${'"'}">${inner}${['<', markup`<br>`]}${undefined}${null}${false}${0}</p>`.text).toBe(
      '<p title="&quot;"><b>&lt;i&gt;</b>&lt;<br>0</p>',
    );
  });
});

describe('moderation page', () => {
  const page = (items: ReviewItem[], extra: Partial<Parameters<typeof renderModerationPage>[0]> = {}) =>
    renderModerationPage({ ...caller, csrfToken: 'tok"en', filters: parseFilters({}), items, ...extra });

  it('escapes public_ids and kinds everywhere they appear', () => {
    const text = page([item({ publicId: `folder/${hostile}`, kind: hostile, status: hostile })], { cloudName: `<cloud>` });
    expect(text).not.toContain('<script>alert');
    expect(text).not.toContain('<img src=x');
    expect(text).not.toContain(hostile);
    expect(text).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    expect(text).toContain('&lt;cloud&gt;');
    expect(text).toContain('<meta name="csrf-token" content="tok&quot;en">');
    expect(text.match(/<script\b[^>]*>/g)).toEqual(['<script src="/console/assets/console.js" defer>']);
  });

  it('has no inline script or style for the policy to refuse', () => {
    const text = page([item()], { nextCursor: 'n', filters: parseFilters({ next_cursor: 'c' }) });
    expect(text.match(/<script\b[^>]*>/g)).toEqual(['<script src="/console/assets/console.js" defer>']);
    expect(text).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  it('draws one card per item with its thumbnail, decision form and CSRF field', () => {
    const text = page([item(), item({ publicId: 'dogs/rex', resourceType: 'video', format: 'mp4' })]);
    expect(text.match(/<li class="card"/g)).toHaveLength(2);
    expect(text).toContain(`<img src="${thumbnailUrl(item(), caller)}" width="200" height="200" alt="cats/tabby">`);
    expect(text).toContain('data-public-id="dogs/rex" data-resource-type="video" data-type="upload" data-status="pending"');
    expect(text.match(/<input type="hidden" name="csrf_token" value="tok&quot;en">/g)).toHaveLength(2);
    expect(text).toContain('<button type="submit" name="status" value="approved" class="approve">Approve</button>');
    expect(text).toContain('<button type="submit" name="status" value="rejected" class="reject">Reject</button>');
  });

  it('links the next page with the listing cursor, and the first page once past it', () => {
    const first = page([item()], { nextCursor: 'abc+/=' });
    expect(first).toContain(
      '<a rel="next" href="/console/moderation?resource_type=image&amp;kind=manual&amp;status=pending&amp;next_cursor=abc%2B%2F%3D">',
    );
    expect(first).not.toContain('First page');
    const second = page([item()], { filters: parseFilters({ next_cursor: 'abc' }) });
    expect(second).toContain('<a href="/console/moderation?resource_type=image&amp;kind=manual&amp;status=pending">First page</a>');
    expect(second).not.toContain('rel="next"');
  });

  it('shows the selected filters, an empty queue and a refused listing', () => {
    const text = page([], { filters: parseFilters({ resource_type: 'video', kind: 'aws_rek_video', status: 'rejected' }), error: 'Bad <cursor>' });
    expect(text).toContain('<option selected>video</option>');
    expect(text).toContain('<option selected>aws_rek_video</option>');
    expect(text).toContain('<option selected>rejected</option>');
    expect(text).toContain('Bad &lt;cursor&gt;');
    expect(page([])).toContain('Nothing to review here.');
  });
});

describe('login page', () => {
  it('keeps the typed key, escaped, and never a secret', () => {
    const text = renderLoginPage({ error: 'Unknown API key or wrong secret.', apiKey: hostile });
    expect(text).toContain('<form method="post" action="/console/login">');
    expect(text).toContain('name="api_secret" type="password"');
    expect(text).not.toContain('<script>alert');
    expect(text).toContain(`value="${escapeHtml(hostile)}"`);
  });
});

describe('thumbnails', () => {
  it('are signed delivery paths with c_fill,w_200,h_200 under the console preview prefix', () => {
    const url = thumbnailUrl(item(), caller);
    const signature = urlSignature('c_fill,w_200,h_200/cats/tabby.png', 'secret');
    expect(url).toBe(`/console/preview/demo/image/upload/s--${signature}--/c_fill,w_200,h_200/v1712345678/cats/tabby.png`);
    expect(parseDeliveryPath(url.slice(PREVIEW_PREFIX.length))).toMatchObject({
      signature,
      transformation: 'c_fill,w_200,h_200',
      publicIdWithExt: 'cats/tabby.png',
    });
  });

  it('show a video as a .jpg frame, and an image the browser cannot show as .jpg', () => {
    expect(thumbnailUrl(item({ resourceType: 'video', format: 'mp4' }), caller)).toMatch(
      /^\/console\/preview\/demo\/video\/upload\/s--[\w-]{8}--\/c_fill,w_200,h_200\/v\d+\/cats\/tabby\.jpg$/,
    );
    expect(thumbnailUrl(item({ format: 'tiff' }), caller)).toMatch(/\/cats\/tabby\.jpg$/);
    expect(thumbnailUrl(item({ format: 'webp' }), caller)).toMatch(/\/cats\/tabby\.webp$/);
  });

  it('sign authenticated assets and encode public_ids like the SDK', () => {
    const url = thumbnailUrl(item({ type: 'authenticated', publicId: 'a b/ü?#' }), caller);
    expect(url).toMatch(/^\/console\/preview\/demo\/image\/authenticated\/s--[\w-]{8}--\//);
    expect(url).toContain('/a%20b/%C3%BC%3F%23.png');
    expect(parseDeliveryPath(url.slice(PREVIEW_PREFIX.length)).publicIdWithExt).toBe('a b/ü?#.png');
  });
});

describe('filters and listing items', () => {
  it('fall back to image, manual and pending for unknown values', () => {
    expect(parseFilters({ resource_type: 'raw', kind: '<x>', status: ['approved', 'rejected'] })).toEqual({
      resourceType: 'image',
      kind: 'manual',
      status: 'approved',
    });
    expect(parseFilters({ next_cursor: 'x'.repeat(5000) }).cursor).toBeUndefined();
    expect(moderationPageUrl(parseFilters({ kind: 'duplicate' }))).toBe('/console/moderation?resource_type=image&kind=duplicate&status=pending');
  });

  it('reads listing items defensively', () => {
    const items = reviewItems({
      resources: [
        { public_id: 'a', resource_type: 'image', type: 'upload', version: 3, format: 'jpg', moderation_kind: 'manual', moderation_status: 'pending' },
        { public_id: 'b', resource_type: 'image', type: 'upload' },
        { public_id: 'c', resource_type: 'nope', type: 'upload', version: 1 },
        null,
      ],
    });
    expect(items).toEqual([{ publicId: 'a', resourceType: 'image', type: 'upload', version: 3, format: 'jpg', kind: 'manual', status: 'pending' }]);
    expect(reviewItems({})).toEqual([]);
  });
});
