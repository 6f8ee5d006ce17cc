import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:PORT; any path is accepted. */
  url: string;
  received: ReceivedWebhook[];
  /** Resolves once `count` requests (optionally on one path) arrived. */
  waitFor(count: number, options?: { path?: string; timeoutMs?: number }): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** The answer to one delivery; `delayMs`: sent that long after the request arrived (a slow consumer). */
export type WebhookResponder = (
  request: ReceivedWebhook,
  countOnPath: number,
) => { status: number; headers?: Record<string, string>; delayMs?: number };

/** A real HTTP consumer on loopback that records every delivery and answers as the test says. */
export async function startWebhookReceiver(respond: WebhookResponder = () => ({ status: 200 })): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhook = { path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      received.push(webhook);
      const count = received.filter((item) => item.path === webhook.path).length;
      const answer = respond(webhook, count);
      const send = () => response.writeHead(answer.status, answer.headers).end();
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async waitFor(count, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 20_000);
      for (;;) {
        const matching = received.filter((item) => options.path === undefined || item.path === options.path);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks${options.path ? ` on ${options.path}` : ''}, got ${matching.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
