import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ApiCredentials } from '@rendition/catalog';
import { fixturePath } from '@rendition/testing';
import { generatedPayload, TINY_PNG } from '../corpus/generate.ts';
import { signParamsForTest } from './signed-form.ts';

// The bad-input corpus (e2e/corpus/): its case files, the exact bytes each case sends, a client that
// sends them over a plain socket (fetch would normalize paths and refuse malformed framing), and the
// verdict on each answer. e2e/corpus/README.md describes the case format.

/** Bytes of a request body, or of one multipart part's content. */
export type BodySpec =
  | { text: string }
  | { base64: string }
  | { payload: string; slice?: [number, number?] }
  | { fixture: string; slice?: [number, number?] }
  | { generated: string; slice?: [number, number?] }
  | { form: Array<[string, string]> }
  | { json: unknown }
  | { multipart: MultipartSpec }
  | { concat: BodySpec[] };

export interface MultipartSpec {
  /** Default `CorpusBoundary7MA4YWxkTrZu0gW`. */
  boundary?: string;
  /** Line ending between the framing lines; default CRLF. */
  eol?: string;
  preamble?: string;
  epilogue?: string;
  /** Write the closing `--boundary--` line; default true. */
  close?: boolean;
  parts: PartSpec[];
  /** Cut the finished body to this many bytes (negative: drop that many from the end). */
  truncate?: number;
}

export interface PartSpec {
  name?: string;
  filename?: string;
  type?: string;
  /** Raw header lines, used instead of the ones built from name, filename and type. */
  headers?: string[];
  content?: string | BodySpec;
}

export type AuthMode = 'basic' | 'signed' | 'none';

export interface CorpusCase {
  /** `<category>/<name>`, unique. */
  id: string;
  category: string;
  what: string;
  method: string;
  /** The request target, sent byte for byte (after placeholders). */
  path: string;
  auth: AuthMode;
  headers: Record<string, string | string[]>;
  body?: BodySpec;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  /** A whole raw request (request line, headers, body), sent as is: for framing the other fields cannot express. */
  raw?: string;
  /** The id of a case that must have been answered before this one is sent (an upload a delivery reads). */
  after?: string;
  /** `api` answers carry the error as a JSON body; `delivery` ones may carry it in X-Cld-Error only. */
  kind: 'api' | 'delivery';
}

interface CategoryFile {
  category: string;
  about: string;
  defaults?: Partial<Pick<CorpusCase, 'method' | 'path' | 'auth' | 'headers' | 'kind'>>;
  cases: Array<Partial<CorpusCase> & { id: string; what: string }>;
}

export const CORPUS_DIR = new URL('../corpus/', import.meta.url).pathname;

/** Every case of every `e2e/corpus/cases/*.json`, in file order. */
export function loadCorpus(dir = CORPUS_DIR): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const seen = new Set<string>();
  for (const file of readdirSync(join(dir, 'cases'))
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const content = JSON.parse(readFileSync(join(dir, 'cases', file), 'utf8')) as CategoryFile;
    for (const entry of content.cases) {
      const merged = { ...content.defaults, ...entry, headers: { ...content.defaults?.headers, ...entry.headers } };
      const id = `${content.category}/${entry.id}`;
      if (seen.has(id)) throw new Error(`duplicate corpus case ${id}`);
      seen.add(id);
      const path = merged.path ?? '/';
      const built: CorpusCase = {
        ...merged,
        id,
        category: content.category,
        what: entry.what,
        method: merged.method ?? 'POST',
        path,
        auth: merged.auth ?? 'basic',
        kind: merged.kind ?? (path.startsWith('/v1_1/') || (merged.raw ?? '').includes(' /v1_1/') ? 'api' : 'delivery'),
      };
      if (built.after !== undefined) built.after = built.after.includes('/') ? built.after : `${content.category}/${built.after}`;
      cases.push(built);
    }
  }
  for (const item of cases) {
    if (item.after !== undefined && !seen.has(item.after)) throw new Error(`${item.id} waits for unknown case ${item.after}`);
  }
  return cases;
}

export interface CorpusTarget {
  host: string;
  port: number;
  cloud: string;
  credentials: ApiCredentials;
}

/** The public_id of the good image the cluster holds before the corpus runs (delivery cases read it). */
export const GOOD_ID = 'corpus-good';

const TINY_PNG_URI = `data:image/png;base64,${TINY_PNG.toString('base64')}`;

const PLACEHOLDER = /\{\{(.+?)\}\}/gs;

/**
 * Replaces `{{name}}` placeholders: cloud, api_key, host, basic (an Authorization value; basic_credentials: its base64 alone), good_id,
 * tiny_png_uri (a 1x1 PNG data URI; tiny_png_uri_encoded: the same, percent-encoded; tiny_png_form_length:
 * the length of `file=` and that), now / now-N /
 * now+N (unix seconds), repeat:N:text, deep_array:N / deep_object:N (JSON nested N deep), and hex:…
 * (raw bytes, so text can carry what UTF-8 cannot, e.g. invalid sequences).
 */
export function render(text: string, target: CorpusTarget): Buffer {
  const out: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    out.push(Buffer.from(text.slice(last, match.index), 'utf8'));
    const name = match[1] ?? '';
    out.push(name.startsWith('hex:') ? Buffer.from(name.slice(4).replace(/\s+/g, ''), 'hex') : Buffer.from(placeholder(name, target), 'utf8'));
    last = match.index + match[0].length;
  }
  out.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(out);
}

/** Placeholders replaced in a string as a string: lone surrogates and the like survive (into JSON bodies). */
function renderString(text: string, target: CorpusTarget): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (name.startsWith('hex:')) throw new Error(`{{hex:…}} is for raw bytes, not for ${JSON.stringify(text.slice(0, 60))}`);
    return placeholder(name, target);
  });
}

function placeholder(name: string, target: CorpusTarget): string {
  const now = Math.floor(Date.now() / 1000);
  const relative = /^now([+-]\d+)$/.exec(name);
  if (relative) return String(now + Number(relative[1]));
  const repeat = /^repeat:(\d+):(.*)$/s.exec(name);
  if (repeat) return (repeat[2] ?? '').repeat(Number(repeat[1]));
  const deep = /^deep_(array|object):(\d+)$/.exec(name);
  if (deep) {
    const depth = Number(deep[2]);
    return deep[1] === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
  switch (name) {
    case 'cloud':
      return target.cloud;
    case 'api_key':
      return target.credentials.apiKey;
    case 'host':
      return `${target.host}:${target.port}`;
    case 'basic':
      return `Basic ${Buffer.from(`${target.credentials.apiKey}:${target.credentials.apiSecret}`).toString('base64')}`;
    case 'basic_credentials':
      return Buffer.from(`${target.credentials.apiKey}:${target.credentials.apiSecret}`).toString('base64');
    case 'good_id':
      return GOOD_ID;
    case 'tiny_png_uri':
      return TINY_PNG_URI;
    case 'tiny_png_uri_encoded':
      return encodeURIComponent(TINY_PNG_URI);
    case 'tiny_png_form_length':
      return String(`file=${encodeURIComponent(TINY_PNG_URI)}`.length);
    case 'now':
      return String(now);
    default:
      throw new Error(`unknown corpus placeholder {{${name}}}`);
  }
}

function renderDeep(value: unknown, target: CorpusTarget): unknown {
  if (typeof value === 'string') return renderString(value, target);
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, target));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [renderString(key, target), renderDeep(item, target)]));
  }
  return value;
}

function sliced(bytes: Buffer, slice: [number, number?] | undefined): Buffer {
  return slice === undefined ? bytes : bytes.subarray(slice[0], slice[1]);
}

const DEFAULT_BOUNDARY = 'CorpusBoundary7MA4YWxkTrZu0gW';

interface BuiltBody {
  bytes: Buffer;
  contentType?: string;
}

/** The signed parameters a case's fields gain under `auth: signed` (signature version 2, sha1). */
function signatureFields(fields: Array<[string, string]>, target: CorpusTarget): Array<[string, string]> {
  const params: Record<string, string> = {};
  for (const [name, value] of fields) params[name] = value;
  const extra: Array<[string, string]> = [];
  if (params.timestamp === undefined) {
    params.timestamp = String(Math.floor(Date.now() / 1000));
    extra.push(['timestamp', params.timestamp]);
  }
  extra.push(['api_key', target.credentials.apiKey]);
  extra.push(['signature', signParamsForTest(params, target.credentials)]);
  return extra;
}

function buildBody(spec: BodySpec, target: CorpusTarget, sign: boolean): BuiltBody {
  if ('text' in spec) return { bytes: render(spec.text, target) };
  if ('base64' in spec) return { bytes: Buffer.from(spec.base64, 'base64') };
  if ('payload' in spec) return { bytes: sliced(readFileSync(join(CORPUS_DIR, 'payloads', spec.payload)), spec.slice) };
  if ('fixture' in spec) return { bytes: sliced(readFileSync(fixturePath(spec.fixture)), spec.slice) };
  if ('generated' in spec) return { bytes: sliced(generatedPayload(spec.generated), spec.slice) };
  if ('concat' in spec) return { bytes: Buffer.concat(spec.concat.map((part) => buildBody(part, target, false).bytes)) };
  if ('form' in spec) {
    const fields = spec.form.map(([name, value]): [string, string] => [renderString(name, target), renderString(value, target)]);
    if (sign) fields.push(...signatureFields(fields, target));
    return { bytes: Buffer.from(new URLSearchParams(fields).toString()), contentType: 'application/x-www-form-urlencoded' };
  }
  if ('json' in spec) {
    const value = renderDeep(spec.json, target);
    if (sign && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const fields = Object.entries(value).flatMap(([name, item]): Array<[string, string]> =>
        typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? [[name, String(item)]] : [],
      );
      Object.assign(value, Object.fromEntries(signatureFields(fields, target)));
    }
    return { bytes: Buffer.from(JSON.stringify(value)), contentType: 'application/json' };
  }
  return buildMultipart(spec.multipart, target, sign);
}

function buildMultipart(spec: MultipartSpec, target: CorpusTarget, sign: boolean): BuiltBody {
  const boundary = spec.boundary ?? DEFAULT_BOUNDARY;
  const eol = spec.eol ?? '\r\n';
  const parts = [...spec.parts];
  if (sign) {
    const fields = parts.flatMap((part): Array<[string, string]> =>
      part.filename === undefined && part.name !== undefined && typeof part.content === 'string'
        ? [[renderString(part.name, target), renderString(part.content, target)]]
        : [],
    );
    parts.push(...signatureFields(fields, target).map(([name, content]): PartSpec => ({ name, content })));
  }
  const chunks: Buffer[] = [render(spec.preamble ?? '', target)];
  for (const part of parts) {
    const headers = part.headers ?? [
      `Content-Disposition: form-data${part.name === undefined ? '' : `; name="${part.name}"`}${part.filename === undefined ? '' : `; filename="${part.filename}"`}`,
      ...(part.type === undefined ? [] : [`Content-Type: ${part.type}`]),
    ];
    chunks.push(Buffer.from(`--${boundary}${eol}`));
    for (const header of headers) chunks.push(render(header, target), Buffer.from(eol));
    chunks.push(Buffer.from(eol));
    const content =
      part.content === undefined
        ? Buffer.alloc(0)
        : typeof part.content === 'string'
          ? render(part.content, target)
          : buildBody(part.content, target, false).bytes;
    chunks.push(content, Buffer.from(eol));
  }
  if (spec.close ?? true) chunks.push(Buffer.from(`--${boundary}--${eol}`));
  chunks.push(render(spec.epilogue ?? '', target));
  let bytes = Buffer.concat(chunks);
  if (spec.truncate !== undefined) bytes = bytes.subarray(0, spec.truncate >= 0 ? spec.truncate : bytes.length + spec.truncate);
  return { bytes, contentType: `multipart/form-data; boundary=${boundary}` };
}

function hasHeader(headers: Record<string, string | string[]>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** The exact bytes a case sends. */
export function buildRequest(item: CorpusCase, target: CorpusTarget): Buffer {
  if (item.raw !== undefined) return render(item.raw, target);
  const body = item.body === undefined ? undefined : buildBody(item.body, target, item.auth === 'signed');
  const headers = { ...item.headers };
  if (item.auth === 'basic' && !hasHeader(headers, 'authorization')) headers.Authorization = '{{basic}}';
  if (body?.contentType !== undefined && !hasHeader(headers, 'content-type')) headers['Content-Type'] = body.contentType;
  const lines: Buffer[] = [render(`${item.method} ${item.path} HTTP/1.1\r\nHost: {{host}}\r\nConnection: close\r\n`, target)];
  for (const [name, values] of Object.entries(headers)) {
    for (const value of Array.isArray(values) ? values : [values]) lines.push(render(`${name}: ${value}\r\n`, target));
  }
  let payload = body?.bytes ?? Buffer.alloc(0);
  if (body !== undefined && item.chunked) {
    lines.push(Buffer.from('Transfer-Encoding: chunked\r\n'));
    payload = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
  } else if (body !== undefined && !hasHeader(headers, 'content-length') && !hasHeader(headers, 'transfer-encoding')) {
    lines.push(Buffer.from(`Content-Length: ${payload.length}\r\n`));
  }
  return Buffer.concat([...lines, Buffer.from('\r\n'), payload]);
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type Outcome =
  { kind: 'answer'; answer: HttpAnswer; ms: number } | { kind: 'timeout'; ms: number } | { kind: 'no-answer'; error: string; ms: number };

/** Parses one HTTP/1.1 response from the start of `data`; undefined while it is incomplete. 1xx answers are skipped. */
export function parseAnswer(data: Buffer, method: string, ended: boolean): HttpAnswer | undefined {
  let start = 0;
  for (;;) {
    const headerEnd = data.indexOf('\r\n\r\n', start);
    if (headerEnd === -1) return undefined;
    const lines = data.subarray(start, headerEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    if (Number.isNaN(status)) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headerEnd + 4;
    if (status >= 100 && status < 200) {
      start = bodyStart;
      continue;
    }
    if (method === 'HEAD' || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd === -1) return undefined;
        const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) throw new Error('bad chunk size in the answer');
        if (size === 0) return { status, headers, body: Buffer.concat(chunks) };
        if (data.length < lineEnd + 2 + size + 2) return undefined;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const size = Number(length);
      if (data.length - bodyStart < size) return undefined;
      return { status, headers, body: data.subarray(bodyStart, bodyStart + size) };
    }
    return ended ? { status, headers, body: data.subarray(bodyStart) } : undefined;
  }
}

/** Sends the bytes on a new connection and waits for one complete answer, at most `timeoutMs`. */
export function send(target: Pick<CorpusTarget, 'host' | 'port'>, request: Buffer, method: string, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const ms = () => Math.round(performance.now() - started);
    const tryParse = (ended: boolean): boolean => {
      try {
        const answer = parseAnswer(data, method, ended);
        if (answer) finish({ kind: 'answer', answer, ms: ms() });
        return answer !== undefined;
      } catch (error) {
        finish({ kind: 'no-answer', error: (error as Error).message, ms: ms() });
        return true;
      }
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ms: ms() }), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse(false);
    });
    socket.on('end', () => {
      if (!tryParse(true)) finish({ kind: 'no-answer', error: `connection closed after ${data.length} bytes without a complete answer`, ms: ms() });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!tryParse(true)) finish({ kind: 'no-answer', error: `${error.code ?? error.message} after ${data.length} bytes of answer`, ms: ms() });
    });
  });
}

/** Why an outcome breaks the corpus rule, or undefined when it keeps it. */
export function verdict(item: CorpusCase, outcome: Outcome, timeoutMs: number): string | undefined {
  if (outcome.kind === 'timeout') return `hang: no complete answer within ${timeoutMs} ms`;
  if (outcome.kind === 'no-answer') return `no answer: ${outcome.error}`;
  const { status, headers, body } = outcome.answer;
  const text = body.toString('utf8');
  const shown = `${status} ${headers['content-type'] ?? '(no content-type)'} ${JSON.stringify(text.slice(0, 200))}`;
  if (status >= 200 && status < 400) return undefined;
  if (status >= 500) return `5xx: ${shown}`;
  if (status < 400 || status > 499) return `unexpected status: ${shown}`;
  const headerMessage = (headers['x-cld-error'] ?? '').trim();
  if (item.method === 'HEAD') return headerMessage === '' ? `4xx without X-Cld-Error on HEAD: ${shown}` : undefined;
  const jsonMessage = errorMessage(text);
  const isJson = (headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  if (jsonMessage !== undefined && isJson) return undefined;
  if (item.kind === 'delivery' && headerMessage !== '') return undefined;
  return `4xx without a JSON {"error":{"message":…}} body: ${shown}`;
}

function errorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    const message = body.error?.message;
    return typeof message === 'string' && message.trim() !== '' ? message : undefined;
  } catch {
    return undefined;
  }
}
