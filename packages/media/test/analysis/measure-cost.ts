// Cost of analyzeImage per image against sharp's full decode of the same file (not a test; run with
// `node packages/media/test/analysis/measure-cost.ts`). Medians of 15 runs after 3 warm-ups, sharp's
// cache off so every run decodes.
import { fixturePath } from '@rendition/testing';
import sharp from 'sharp';
import { analyzeImage } from '../../src/analysis/analyze-image.ts';
import type { AnalysisRequest } from '../../src/analysis/analyze-image.ts';
import { decodeForAnalysis } from '../../src/analysis/decode-for-analysis.ts';
import { defaultImageLimits } from '../../src/image-limits.ts';

const FIXTURES = [
  '2569067123_aca715a2ee_o.jpg',
  '4.webp',
  'Channel_digital_image_CMYK_color.jpg',
  'Crash_test.gif',
  'embedgravitybird.png',
  'gradients-rgb8.png',
];
const BENCHMARK: AnalysisRequest = { colors: true, phash: true, quality: true, accessibility: false };
const ALL: AnalysisRequest = { ...BENCHMARK, accessibility: true };

async function median(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[7]!;
}

sharp.cache(false);
console.log('file | full decode ms | analysis decode ms | colors+phash+quality ms (× full) | all four ms (× full)');
for (const name of FIXTURES) {
  const path = fixturePath(`images/${name}`);
  const full = await median(() => sharp(path).raw().toBuffer());
  const decode = await median(() => decodeForAnalysis(path, defaultImageLimits));
  const benchmark = await median(() => analyzeImage(path, BENCHMARK, defaultImageLimits));
  const all = await median(() => analyzeImage(path, ALL, defaultImageLimits));
  const ms = (value: number): string => value.toFixed(1);
  console.log(`${name} | ${ms(full)} | ${ms(decode)} | ${ms(benchmark)} (${(benchmark / full).toFixed(2)}) | ${ms(all)} (${(all / full).toFixed(2)})`);
}
