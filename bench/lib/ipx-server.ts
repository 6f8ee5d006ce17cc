/**
 * The delivery reference, run as its own process (`fork`ed by bench/delivery.ts, with an IPC
 * channel): ipx's Node server (createIPXNodeServer) over ipxFSStorage of one directory, on
 * 127.0.0.1, with ipx's defaults except baseline JPEG (ipx makes JPEGs progressive by default;
 * Rendition's are baseline unless fl_progressive), so both servers encode the same kind of file.
 *
 * argv: <directory> <own|ours> <file> [on|off]. `file`, a file in the directory, is fetched once at start.
 * `own`: the sharp ipx installed for itself. `ours`: the workspace's sharp (the one Rendition runs),
 * swapped in for ipx's with a module resolve hook, so that the comparison is between the servers and
 * not between libvips versions. A process of its own either way: two sharp builds never share one
 * process, and ipx's sharp keeps its own (default) settings.
 *
 * `off` turns libvips' operation cache off, as Rendition's worker runs (ipx keeps sharp's default, on: a
 * request for the same source at another size may then reuse a decode another request made).
 *
 * Sends `{ port, sharp, vips }` once listening; exits when the parent disconnects.
 */
import { createServer } from 'node:http';
import { registerHooks } from 'node:module';

const [directory, choice, file, vipsCache = 'on'] = process.argv.slice(2);
if (!directory || !file || (choice !== 'own' && choice !== 'ours') || (vipsCache !== 'on' && vipsCache !== 'off')) {
  throw new Error('usage: ipx-server.ts <directory> <own|ours> <file> [on|off]');
}
if (!process.send) throw new Error('ipx-server.ts runs as a forked child with an IPC channel');

const oursUrl = import.meta.resolve('sharp');
let ipxSharpUrl: string | undefined;
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier !== 'sharp' || !context.parentURL?.includes('/node_modules/ipx/')) return nextResolve(specifier, context);
    const resolved = choice === 'ours' ? { url: oursUrl, shortCircuit: true } : nextResolve(specifier, context);
    ipxSharpUrl = resolved.url;
    return resolved;
  },
});

const { createIPX, createIPXNodeServer, ipxFSStorage } = await import('ipx');
// ipx's default sharpOptions is `{ jpegProgressive: true }`, an option of sharp's internals that its types do not list.
type IpxSharpOptions = NonNullable<Parameters<typeof createIPX>[0]['sharpOptions']>;
const ipx = createIPX({ storage: ipxFSStorage({ dir: directory }), sharpOptions: { jpegProgressive: false } as unknown as IpxSharpOptions });
const server = createServer(createIPXNodeServer(ipx));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

// ipx imports sharp on its first image: ask for one, then read the versions of the sharp it got.
const probe = await fetch(`http://127.0.0.1:${port}/s_16x16/${encodeURIComponent(file)}`);
await probe.arrayBuffer();
if (probe.status !== 200) throw new Error(`ipx answered ${probe.status} for ${file}`);
let versions: { sharp?: string; vips?: string } = {};
if (ipxSharpUrl) {
  const loaded = (await import(ipxSharpUrl)) as { default: { versions: { sharp?: string; vips?: string }; cache(enabled: boolean): unknown } };
  versions = loaded.default.versions;
  if (vipsCache === 'off') loaded.default.cache(false);
}
process.send({ port, sharp: versions.sharp ?? 'unknown', vips: versions.vips ?? 'unknown', sharpUrl: ipxSharpUrl ?? 'not loaded' });
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
