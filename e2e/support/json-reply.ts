export type Json = Record<string, unknown>;
export type JsonReply = { status: number; body: Json; contentType: string | null };

/** A response's status, JSON body and content-type; a body that is not JSON fails the test, showing its start. */
export async function jsonReply(response: Response): Promise<JsonReply> {
  const text = await response.text();
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    throw new Error(`HTTP ${response.status} with a non-JSON body: ${text.slice(0, 300)}`);
  }
  return { status: response.status, body, contentType: response.headers.get('content-type') };
}
