import { basicAuthHeader } from './signed-form.ts';
import type { TestCluster } from './test-cluster.ts';

export type UploadBody = Record<string, unknown> & {
  asset_id: string;
  public_id: string;
  version: number;
  version_id: string;
  etag: string;
  bytes: number;
  url: string;
  secure_url: string;
  error?: { message: string };
};

export interface UploadAnswer {
  status: number;
  headers: Headers;
  body: UploadBody;
}

export interface FilePart {
  bytes: Buffer;
  filename: string;
  contentType?: string;
}

/**
 * POSTs a multipart upload with Basic auth, the way a server-side client without the SDK would.
 * Array values become repeated fields under the name given (use `tags[]` for the SDK's spelling).
 */
export async function uploadWithBasicAuth(
  cluster: Pick<TestCluster, 'baseUrl' | 'cloud' | 'credentials'>,
  file: FilePart,
  fields: Record<string, string | string[]> = {},
  resourceType = 'image',
): Promise<UploadAnswer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  form.append('file', new Blob([file.bytes], { type: file.contentType ?? 'application/octet-stream' }), file.filename);
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/${resourceType}/upload`, {
    method: 'POST',
    headers: { authorization: basicAuthHeader(cluster.credentials) },
    body: form,
  });
  expectJson(response);
  return { status: response.status, headers: response.headers, body: (await response.json()) as UploadBody };
}

/** Like uploadWithBasicAuth, but fails the test unless the upload succeeded. */
export async function uploadOk(
  cluster: Pick<TestCluster, 'baseUrl' | 'cloud' | 'credentials'>,
  file: FilePart,
  fields: Record<string, string | string[]> = {},
  resourceType = 'image',
): Promise<UploadBody> {
  const answer = await uploadWithBasicAuth(cluster, file, fields, resourceType);
  if (answer.status !== 200) throw new Error(`upload failed with ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function expectJson(response: Response): void {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) throw new Error(`expected a JSON answer, got ${response.status} ${type}`);
}
