/** `npm run bench`: each bench in its own process, one after the other; non-zero if any failed. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = ['async-intake.ts', 'e2e-latency.ts', 'eager-throughput.ts', 'delivery.ts', 'video-eager.ts', 'analysis.ts', 'scaling.ts'];

let failed = 0;
for (const bench of BENCHES) {
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(bench, import.meta.url))], { stdio: 'inherit' });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
  if (code !== 0) {
    failed += 1;
    console.error(`${bench} exited with ${code}`);
  }
  console.log('');
}
process.exit(failed === 0 ? 0 : 1);
