/**
 * The floor for cached delivery, run as its own process (`fork`ed by bench/delivery.ts, with an IPC
 * channel): a bare Node `http` server that answers every GET with one file streamed from disk by
 * `fs.createReadStream`, with the Content-Type it is given and the file's Content-Length, over
 * keep-alive (Node's default). No routing, no catalog, no headers beyond those two: what serving
 * stored bytes costs at the least on this machine.
 *
 * argv: <file> <content-type>. Sends `{ port }` once listening; exits when the parent disconnects.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';

const [file, contentType] = process.argv.slice(2);
if (!file || !contentType) throw new Error('usage: static-server.ts <file> <content-type>');
if (!process.send) throw new Error('static-server.ts runs as a forked child with an IPC channel');

const { size } = await stat(file);
const server = createServer((request, response) => {
  response.writeHead(200, { 'content-type': contentType, 'content-length': size });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  pipeline(createReadStream(file), response, () => {});
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send({ port: (server.address() as { port: number }).port });
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
