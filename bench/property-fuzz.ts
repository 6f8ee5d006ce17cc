/**
 * `node bench/property-fuzz.ts [name filter]`: the property tests of the request-parameter and
 * transformation parsers (packages/protocol/test/parsers.property.test.ts and
 * packages/transform/test/parsers.property.test.ts), run 100,000 times each instead of the few
 * hundred `npm test` runs. Prints, per property, the runs done, the time, and the shrunk
 * counterexample of a failure; exits non-zero when any property failed. Not part of the tests.
 *
 * Knobs: PROPERTY_FUZZ_RUNS (runs per property, default 100000), PROPERTY_SEED (replay a run: the
 * seed is printed with each property), and a first argument that keeps only the properties whose
 * name contains it.
 */
import fc from 'fast-check';
import { protocolProperties } from '../packages/protocol/test/parsers.property.test.ts';
import { transformProperties } from '../packages/transform/test/parsers.property.test.ts';

const runsText = process.env.PROPERTY_FUZZ_RUNS;
const runs = runsText === undefined || runsText === '' ? 100_000 : Number(runsText);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`PROPERTY_FUZZ_RUNS must be a positive integer, got ${runsText}`);
  process.exit(2);
}
const seedText = process.env.PROPERTY_SEED;
const fixedSeed = seedText === undefined || seedText === '' ? undefined : Number(seedText);
const filter = process.argv[2] ?? '';

const suites = [
  { suite: 'protocol', properties: protocolProperties },
  { suite: 'transform', properties: transformProperties },
];

console.log(`property fuzz: ${runs} runs per property${filter ? `, properties matching '${filter}'` : ''} (Node ${process.version})`);
const started = performance.now();
let total = 0;
const failures: string[] = [];
for (const { suite, properties } of suites) {
  for (const property of properties) {
    if (!property.name.includes(filter)) continue;
    const seed = fixedSeed ?? Date.now() ^ (Math.random() * 0x100000000);
    const begin = performance.now();
    const details = property.check({ numRuns: runs, seed });
    const seconds = (performance.now() - begin) / 1000;
    total += details.numRuns;
    const verdict = details.failed ? `FAILED after ${details.numRuns} runs (${details.numShrinks} shrinks)` : 'ok';
    console.log(
      `${suite.padEnd(9)} ${String(details.numRuns).padStart(7)} runs ${seconds.toFixed(1).padStart(6)} s ${String(Math.round(details.numRuns / seconds)).padStart(7)}/s  seed ${String(seed).padStart(11)}  ${verdict}  ${property.name}`,
    );
    if (details.failed) {
      const shown = fc.stringify(details.counterexample);
      const error = details.errorInstance instanceof Error ? details.errorInstance : undefined;
      const cause = error?.cause instanceof Error ? ` (${error.cause.constructor.name}: ${error.cause.message})` : '';
      failures.push(`${suite}: ${property.name}`);
      console.log(`  counterexample (${shown.length} chars): ${shown.length > 400 ? `${shown.slice(0, 400)}…` : shown}`);
      console.log(`  error: ${error ? `${error.message}${cause}` : String(details.errorInstance)}`.slice(0, 1000));
      console.log(`  replay: PROPERTY_SEED=${seed} (path ${details.counterexamplePath ?? '?'})`);
    }
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`\n${total} cases in ${seconds.toFixed(1)} s; ${failures.length} propert${failures.length === 1 ? 'y' : 'ies'} failed`);
process.exit(failures.length === 0 ? 0 : 1);
