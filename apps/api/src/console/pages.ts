import { markup, type SafeHtml } from './html.ts';
import { MODERATION_KINDS, MODERATION_STATUSES, RESOURCE_TYPES, moderationPageUrl, type ModerationFilters } from './filters.ts';
import type { ReviewItem } from './review-items.ts';
import { thumbnailUrl } from './thumbnails.ts';

/**
 * The console's pages. No inline script or style anywhere: the Content-Security-Policy allows only
 * /console/assets/, so the pages work the same with and without script (forms post, the script
 * enhances them).
 */

function layout(title: string, body: SafeHtml, meta: SafeHtml = markup``): string {
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${meta}<title>${title} · Rendition</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
${body}
</body>
</html>
`.text;
}

export function renderLoginPage(options: { error?: string; apiKey?: string } = {}): string {
  return layout(
    'Sign in',
    markup`<main class="login">
<h1>Rendition console</h1>
<p>Sign in with an API key and secret of your cloud.</p>
${options.error ? markup`<p class="notice error" role="alert">${options.error}</p>` : ''}
<form method="post" action="/console/login">
<label>API key <input name="api_key" autocomplete="username" required value="${options.apiKey ?? ''}"></label>
<label>API secret <input name="api_secret" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

export interface ModerationPage {
  cloudName: string;
  /** Signs the thumbnails' URLs. */
  apiSecret: string;
  csrfToken: string;
  filters: ModerationFilters;
  items: ReviewItem[];
  nextCursor?: string;
  /** A listing the API refused (a stale cursor): shown instead of the grid. */
  error?: string;
}

export function renderModerationPage(page: ModerationPage): string {
  const caller = { cloudName: page.cloudName, apiSecret: page.apiSecret };
  const back = moderationPageUrl(page.filters);
  const notice = page.error ?? (page.items.length === 0 ? 'Nothing to review here.' : '');
  const body = markup`<header class="bar">
<h1>Moderation</h1>
<span class="cloud">${page.cloudName}</span>
<form method="post" action="/console/logout"><button type="submit" class="quiet">Sign out</button></form>
</header>
<main>
${filterForm(page.filters)}
<p class="hint">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>a</kbd> approve, <kbd>r</kbd> reject.</p>
<p id="notice" class="notice${page.error ? ' error' : ''}" role="status" aria-live="polite">${notice}</p>
<ul class="grid" id="queue">
${page.items.map((item) => card(item, thumbnailUrl(item, caller), page.csrfToken, back))}
</ul>
${pager(page.filters, page.nextCursor)}
</main>`;
  return layout(`Moderation · ${page.cloudName}`, body, markup`<meta name="csrf-token" content="${page.csrfToken}">\n`);
}

function filterForm(filters: ModerationFilters): SafeHtml {
  const select = (name: string, label: string, values: readonly string[], current: string) => {
    const options = values.map((value) => markup`<option${value === current ? markup` selected` : ''}>${value}</option>`);
    return markup`<label>${label} <select name="${name}">${options}</select></label>`;
  };
  return markup`<form class="filters" method="get" action="/console/moderation">
${select('resource_type', 'Type', RESOURCE_TYPES, filters.resourceType)}
${select('kind', 'Kind', MODERATION_KINDS, filters.kind)}
${select('status', 'Status', MODERATION_STATUSES, filters.status)}
<button type="submit">Show</button>
</form>`;
}

function card(item: ReviewItem, thumbnail: string, csrfToken: string, back: string): SafeHtml {
  const video = item.resourceType === 'video' ? markup` <span class="kind">video</span>` : '';
  return markup`<li class="card" data-public-id="${item.publicId}" data-resource-type="${item.resourceType}" data-type="${item.type}" data-status="${item.status}">
<img src="${thumbnail}" width="200" height="200" alt="${item.publicId}">
<p class="id" title="${item.publicId}">${item.publicId}</p>
<p class="tags"><span class="kind">${item.kind}</span> <span class="status">${item.status}</span>${video}</p>
<form method="post" action="/console/moderation/decide">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<input type="hidden" name="public_id" value="${item.publicId}">
<input type="hidden" name="resource_type" value="${item.resourceType}">
<input type="hidden" name="type" value="${item.type}">
<input type="hidden" name="back" value="${back}">
<button type="submit" name="status" value="approved" class="approve">Approve</button>
<button type="submit" name="status" value="rejected" class="reject">Reject</button>
</form>
</li>
`;
}

function pager(filters: ModerationFilters, nextCursor: string | undefined): SafeHtml {
  const first = filters.cursor === undefined ? '' : markup`<a href="${moderationPageUrl({ ...filters, cursor: undefined })}">First page</a>`;
  const next = nextCursor === undefined ? '' : markup`<a rel="next" href="${moderationPageUrl({ ...filters, cursor: nextCursor })}">Next page</a>`;
  return markup`<nav class="pager">${first} ${next}</nav>`;
}
