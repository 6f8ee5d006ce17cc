import { probeImage } from './src/probe-image.ts';
import { convertImage } from './src/convert-image.ts';
for (const f of ['/tmp/noise.png', '/tmp/noise.jpg']) {
  for (const t of [1, 30]) {
    const s = performance.now();
    await probeImage(f, { maxInputPixels: 1e9, timeoutSeconds: t }).then(p => console.log(f, t, 'ok', p.width), e => console.log(f, t, e.kind, e.message)).finally(() => console.log((performance.now() - s).toFixed(0), 'ms'));
  }
}
const s = performance.now();
await convertImage('/tmp/noise.png', '/tmp/noise-out.avif', 'avif', { maxInputPixels: 1e9, timeoutSeconds: 1 }).then(p => console.log('conv ok', p), e => console.log('conv', e.kind, e.message)).finally(() => console.log((performance.now() - s).toFixed(0), 'ms'));
