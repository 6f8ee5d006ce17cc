import http, { type ClientRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// docs/sdk-coverage.md against the SDK and the routes: the table must list exactly the functions the
// installed SDK exports, and every row it marks implemented or partly with an endpoint must reach a
// route of a running cluster with the request the row names. A new SDK version, a function marked
// done without its route, or a route that moved makes this fail, so the table cannot drift.

type Group = 'api' | 'uploader' | 'utils';
type Status = 'implemented' | 'partly' | 'not' | 'n/a';
type SdkFunction = (...args: unknown[]) => unknown;
type Sdk = Record<Group, Record<string, SdkFunction>>;

interface Row {
  name: string;
  status: Status;
  endpoint?: { method: string; path: string };
}

const GROUPS: readonly Group[] = ['api', 'uploader', 'utils'];
const STATUSES: readonly string[] = ['implemented', 'partly', 'not', 'n/a'];
const TABLE = readFileSync(new URL('../docs/sdk-coverage.md', import.meta.url), 'utf8');

/** The rows of every table whose first cell is a `group.function` code span. */
function parseRows(markdown: string): { rows: Row[]; problems: string[] } {
  const rows: Row[] = [];
  const problems: string[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    const name = /^`((?:api|uploader|utils)\.\w+)`$/.exec(cells[0] ?? '')?.[1];
    if (!name) continue;
    const [, status = '', endpointCell = ''] = cells;
    if (!STATUSES.includes(status)) problems.push(`${name}: status "${status}" is none of ${STATUSES.join(', ')}`);
    const endpoint = /^`(GET|POST|PUT|DELETE) (\/\S*)`$/.exec(endpointCell);
    if (!endpoint && !endpointCell.startsWith('—')) problems.push(`${name}: the endpoint "${endpointCell}" is neither \`METHOD /path\` nor —`);
    rows.push({ name, status: status as Status, ...(endpoint ? { endpoint: { method: endpoint[1]!, path: endpoint[2]! } } : {}) });
  }
  return { rows, problems };
}

const PID = 'sdkcov_pid';
const TAG = 'sdkcov_tag';
const ASSET_ID = '0123456789abcdef0123456789abcdef';
const OTHER_ID = 'fedcba9876543210fedcba9876543210';
const PNG_BYTES = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const PNG_DATA_URI = `data:image/png;base64,${PNG_BYTES.toString('base64')}`;

/** What a call came to: the SDK's answer, or a status and message read off an HTTP response. */
type Answer = { ok: true } | { ok: false; status?: number; message: string };
/** A URL the function built, and how a client requests it. */
type Built = { url: string; method: 'GET' | 'POST' };
type Recipe = unknown[] | ((sdk: Sdk, file: string) => Promise<Answer> | Built);

/** The SDK's rejections: `{error: {message, http_code}}` (Admin API), `{message, http_code}` (Upload API), or an Error. */
function refusal(error: unknown): Answer {
  const inner = (error as { error?: unknown } | undefined)?.error ?? error;
  const { message, http_code: status } = (inner ?? {}) as { message?: unknown; http_code?: unknown };
  return { ok: false, message: typeof message === 'string' ? message : String(inner), ...(typeof status === 'number' ? { status } : {}) };
}

/** A streaming or callback-style upload, settled by its callback. */
function viaCallback(start: (callback: (error: unknown, result?: unknown) => void) => void): Promise<Answer> {
  return new Promise((resolve) => start((error) => resolve(error ? refusal(error) : { ok: true })));
}

const streamed = (stream: unknown) => (stream as NodeJS.WritableStream).end(PNG_BYTES);

/**
 * How to call each function the table marks implemented or partly with an endpoint: its arguments,
 * or a function for the ones that stream, call back or build a URL. The values are made up; a
 * refusal such as `Resource not found` is fine, a request that reaches no route is not.
 */
const CALLS: Record<string, Recipe> = {
  'api.ping': [],
  'api.usage': [],
  'api.resource_types': [],
  'api.resources': [],
  'api.resources_by_tag': [TAG],
  'api.resources_by_context': ['sdkcov_key', 'sdkcov_value'],
  'api.resources_by_moderation': ['manual', 'approved'],
  'api.resource_by_asset_id': [ASSET_ID],
  'api.resources_by_asset_ids': [[ASSET_ID]],
  'api.resources_by_ids': [[PID]],
  'api.resources_by_asset_folder': ['sdkcov_folder'],
  'api.resource': [PID],
  'api.restore': [[PID]],
  'api.update': [PID, { tags: TAG }],
  'api.delete_resources': [[PID]],
  'api.delete_resources_by_asset_ids': [[ASSET_ID]],
  'api.delete_resources_by_prefix': ['sdkcov_prefix'],
  'api.delete_resources_by_tag': [TAG],
  'api.delete_all_resources': [],
  'api.delete_derived_resources': [[OTHER_ID]],
  'api.tags': [],
  'api.transformations': [],
  'api.transformation': ['sdkcov_t'],
  'api.delete_transformation': ['sdkcov_t'],
  'api.update_transformation': ['sdkcov_t', { unsafe_update: { width: 20, crop: 'scale' } }],
  'api.create_transformation': ['sdkcov_t', { width: 10, crop: 'scale' }],
  'api.upload_presets': [],
  'api.upload_preset': ['sdkcov_preset'],
  'api.delete_upload_preset': ['sdkcov_preset'],
  'api.update_upload_preset': ['sdkcov_preset', { tags: TAG }],
  'api.create_upload_preset': [{ name: 'sdkcov_preset', unsigned: true }],
  'api.upload_mappings': [],
  'api.upload_mapping': ['sdkcov_mapping'],
  'api.delete_upload_mapping': ['sdkcov_mapping'],
  'api.update_upload_mapping': ['sdkcov_mapping', { template: 'https://example.com/a' }],
  'api.create_upload_mapping': ['sdkcov_mapping', { template: 'https://example.com/' }],
  'api.delete_backed_up_assets': [ASSET_ID, [OTHER_ID]],
  'api.root_folders': [],
  'api.sub_folders': ['sdkcov_folder'],
  'api.delete_folder': ['sdkcov_folder'],
  'api.rename_folder': ['sdkcov_folder', 'sdkcov_folder2'],
  'api.create_folder': ['sdkcov_folder'],
  'api.list_streaming_profiles': [],
  'api.get_streaming_profile': ['sdkcov_profile'],
  'api.delete_streaming_profile': ['sdkcov_profile'],
  'api.update_streaming_profile': ['sdkcov_profile', { representations: [{ transformation: { width: 320, crop: 'scale' } }] }],
  'api.create_streaming_profile': ['sdkcov_profile', { representations: [{ transformation: { width: 320, crop: 'scale' } }] }],
  'api.publish_by_ids': [[PID]],
  'api.publish_by_tag': [TAG],
  'api.publish_by_prefix': ['sdkcov_prefix'],
  'api.update_resources_access_mode_by_prefix': ['public', 'sdkcov_prefix'],
  'api.update_resources_access_mode_by_tag': ['public', TAG],
  'api.update_resources_access_mode_by_ids': ['public', [PID]],
  'api.search': [{ expression: `tags=${TAG}` }],
  'api.search_folders': [{ expression: 'name=sdkcov' }],
  'api.delete_derived_by_transformation': [[PID], [{ width: 10, crop: 'scale' }]],
  'api.add_metadata_field': [{ external_id: 'sdkcov_field', label: 'sdkcov', type: 'string' }],
  'api.list_metadata_fields': [],
  'api.delete_metadata_field': ['sdkcov_gone'],
  'api.metadata_field_by_field_id': ['sdkcov_field'],
  'api.update_metadata_field': ['sdkcov_field', { label: 'sdkcov 2' }],
  'api.update_metadata_field_datasource': ['sdkcov_field', { values: [{ value: 'v' }] }],
  'api.delete_datasource_entries': ['sdkcov_field', ['sdkcov_entry']],
  'api.restore_metadata_field_datasource': ['sdkcov_field', ['sdkcov_entry']],
  'api.order_metadata_field_datasource': ['sdkcov_field', 'value', 'asc'],
  'api.reorder_metadata_fields': ['label', 'asc'],
  'api.config': [],

  'uploader.upload': [PNG_DATA_URI, { public_id: PID }],
  'uploader.unsigned_upload': [PNG_DATA_URI, 'sdkcov_preset'],
  'uploader.upload_stream': (sdk) => viaCallback((done) => streamed(sdk.uploader.upload_stream!({ public_id: PID }, done))),
  'uploader.unsigned_upload_stream': (sdk) => viaCallback((done) => streamed(sdk.uploader.unsigned_upload_stream!('sdkcov_preset', {}, done))),
  'uploader.upload_large': (sdk, file) => viaCallback((done) => void sdk.uploader.upload_large!(file, { public_id: PID }, done)),
  'uploader.upload_chunked': (sdk, file) => viaCallback((done) => void sdk.uploader.upload_chunked!(file, { public_id: PID }, done)),
  'uploader.upload_chunked_stream': (sdk) => viaCallback((done) => streamed(sdk.uploader.upload_chunked_stream!({ public_id: PID }, done))),
  'uploader.explicit': [PID, { type: 'upload' }],
  'uploader.destroy': ['sdkcov_missing'],
  'uploader.rename': ['sdkcov_missing', 'sdkcov_renamed'],
  'uploader.text': ['sdkcov'],
  'uploader.generate_sprite': [TAG],
  'uploader.multi': [TAG],
  'uploader.explode': ['sdkcov_missing', { page: 'all' }],
  'uploader.add_tag': [TAG, [PID]],
  'uploader.remove_tag': [TAG, [PID]],
  'uploader.remove_all_tags': [[PID]],
  'uploader.replace_tag': [TAG, [PID]],
  'uploader.add_context': ['sdkcov=1', [PID]],
  'uploader.remove_all_context': [[PID]],
  'uploader.create_archive': [{ tags: [TAG] }],
  'uploader.create_zip': [{ tags: [TAG] }],
  'uploader.update_metadata': [{ sdkcov_field: 'x' }, [PID]],
  'uploader.direct_upload': (sdk) => ({
    url: (sdk.uploader.direct_upload!('https://example.com/cb') as { form_attrs: { action: string } }).form_attrs.action,
    method: 'POST',
  }),
  'uploader.upload_url': (sdk) => ({ url: sdk.uploader.upload_url!() as string, method: 'POST' }),
  'uploader.image_upload_tag': (sdk) => ({ url: dataUrl(sdk.uploader.image_upload_tag!('file') as string), method: 'POST' }),
  'uploader.unsigned_image_upload_tag': (sdk) => ({
    url: dataUrl(sdk.uploader.unsigned_image_upload_tag!('file', 'sdkcov_preset') as string),
    method: 'POST',
  }),

  'utils.private_download_url': (sdk) => ({ url: sdk.utils.private_download_url!(PID, 'png') as string, method: 'GET' }),
  'utils.download_archive_url': (sdk) => ({ url: sdk.utils.download_archive_url!({ tags: [TAG] }) as string, method: 'GET' }),
  'utils.download_zip_url': (sdk) => ({ url: sdk.utils.download_zip_url!({ tags: [TAG] }) as string, method: 'GET' }),
  'utils.download_folder': (sdk) => ({ url: sdk.utils.download_folder!('sdkcov_folder') as string, method: 'GET' }),
  'utils.download_backedup_asset': (sdk) => ({ url: sdk.utils.download_backedup_asset!(ASSET_ID, OTHER_ID) as string, method: 'GET' }),
  'utils.api_download_url': (sdk) => ({ url: sdk.utils.api_download_url!('generate_archive', { tags: [TAG] }, {}) as string, method: 'GET' }),
};

/** The upload URL an upload tag's `<input data-url='…'>` names. */
function dataUrl(html: string): string {
  const url = /data-url=['"]([^'"]+)['"]/.exec(html)?.[1];
  if (!url) throw new Error(`no data-url in ${html}`);
  return url;
}

/** A request that reached no route: the not-found handler's answer, or a path word read as a resource or delivery type. */
function routingMiss(answer: Answer): boolean {
  if (answer.ok) return false;
  return (answer.status === 404 && /^Not found - /.test(answer.message)) || /^Invalid (resource type|type|delivery type) /.test(answer.message);
}

/** Whether a request (method, path with `/v1_1/<cloud>`) is the one a row's endpoint names. */
function matchesEndpoint(endpoint: NonNullable<Row['endpoint']>, request: { method: string; path: string }): boolean {
  // The SDK sends some paths as one encoded segment (`resources%2Fsearch`); the route sees them decoded.
  const path = decodeURIComponent(request.path.split('?')[0]!).replace(/^\/v1_1\/[^/]+/, '');
  const pattern = endpoint.path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return request.method === endpoint.method && new RegExp(`^${pattern}$`).test(path);
}

const CALL_TIMEOUT_MS = 8_000;

let cluster: TestCluster;
let sdk: Sdk;
let scratch: string;
let file: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  sdk = sdkFor(cluster) as unknown as Sdk;
  scratch = await mkdtemp(join(tmpdir(), 'rendition-sdk-coverage-'));
  file = join(scratch, 'pixel.png');
  await writeFile(file, PNG_BYTES);
});

afterAll(async () => {
  await cluster?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('docs/sdk-coverage.md', () => {
  const { rows, problems } = parseRows(TABLE);

  it('is well formed: one row per function, a known status, an endpoint or —', () => {
    const seen = new Set<string>();
    const duplicates = rows.filter((row) => (seen.has(row.name) ? true : (seen.add(row.name), false))).map((row) => row.name);
    expect(problems).toEqual([]);
    expect(duplicates).toEqual([]);
  });

  it('lists exactly the functions the SDK exports', () => {
    const exported = GROUPS.flatMap((group) =>
      Object.keys(sdk[group])
        .filter((name) => typeof sdk[group][name] === 'function')
        .map((name) => `${group}.${name}`),
    ).sort();
    const listed = rows.map((row) => row.name).sort();
    expect({
      missingFromTable: exported.filter((name) => !listed.includes(name)),
      notInTheSdk: listed.filter((name) => !exported.includes(name)),
    }).toEqual({ missingFromTable: [], notInTheSdk: [] });
  });

  it('has a call for every function marked implemented or partly with an endpoint, and none for others', () => {
    const served = rows.filter((row) => (row.status === 'implemented' || row.status === 'partly') && row.endpoint).map((row) => row.name);
    expect({
      withoutACall: served.filter((name) => CALLS[name] === undefined),
      callsForOtherRows: Object.keys(CALLS).filter((name) => !served.includes(name)),
    }).toEqual({ withoutACall: [], callsForOtherRows: [] });
  });

  it('reaches a route with the request the table names, for every function marked implemented or partly', async () => {
    const sent: Array<{ method: string; path: string }> = [];
    const port = new URL(cluster.baseUrl).port;
    const originalRequest = http.request;
    // The SDK sends through http.request (its upload_prefix is http here); the request it sends is
    // recorded on the way, so the Endpoint column is checked against the SDK and not only the route.
    (http as unknown as { request: unknown }).request = (...args: Parameters<typeof http.request>): ClientRequest => {
      const options = args[0] as { method?: string; path?: string; port?: string | number };
      if (typeof options === 'object' && !(options instanceof URL) && String(options.port) === port && options.path?.startsWith('/v1_1/')) {
        sent.push({ method: options.method ?? 'GET', path: options.path });
      }
      return originalRequest(...args);
    };
    const failures: string[] = [];
    try {
      for (const row of rows) {
        const recipe = CALLS[row.name];
        if (!recipe || !row.endpoint) continue;
        sent.length = 0;
        const [group, name] = row.name.split('.') as [Group, string];
        let answer: Answer;
        let requests: Array<{ method: string; path: string }>;
        const outcome = Array.isArray(recipe) ? callSdk(sdk[group][name]!, sdk[group], recipe) : recipe(sdk, file);
        if (outcome instanceof Promise) {
          answer = await withTimeout(outcome, row.name);
          requests = [...sent];
        } else {
          answer = await request(outcome);
          requests = [{ method: outcome.method, path: new URL(outcome.url).pathname }];
        }
        if (requests.length === 0) failures.push(`${row.name}: sent no request (${answer.ok ? 'answered' : answer.message})`);
        for (const sentRequest of requests) {
          if (!matchesEndpoint(row.endpoint, sentRequest)) {
            failures.push(`${row.name}: sent ${sentRequest.method} ${sentRequest.path}, the table says ${row.endpoint.method} ${row.endpoint.path}`);
          }
        }
        if (routingMiss(answer)) failures.push(`${row.name}: no route (${answer.ok ? '' : `${answer.status ?? '?'} ${answer.message}`})`);
        else if (!answer.ok && answer.status === undefined) failures.push(`${row.name}: no HTTP answer (${answer.message})`);
      }
    } finally {
      (http as unknown as { request: unknown }).request = originalRequest;
    }
    expect(failures).toEqual([]);
  }, 60_000);
});

async function callSdk(fn: SdkFunction, self: object, args: unknown[]): Promise<Answer> {
  try {
    await fn.apply(self, args);
    return { ok: true };
  } catch (error) {
    return refusal(error);
  }
}

function withTimeout(answer: Promise<Answer>, name: string): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Answer>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${CALL_TIMEOUT_MS} ms from ${name}` }), CALL_TIMEOUT_MS);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** Requests a URL a function built, as a browser or a form would; the message is Cloudinary's X-Cld-Error. */
async function request(built: Built): Promise<Answer> {
  const response = await fetch(built.url, { method: built.method, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  await response.arrayBuffer();
  if (response.ok) return { ok: true };
  return { ok: false, status: response.status, message: response.headers.get('x-cld-error') ?? response.statusText };
}
