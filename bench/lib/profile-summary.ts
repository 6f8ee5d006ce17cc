/**
 * Self time of a `.cpuprofile` (BENCH_CPU_PROFILE, bench/lib/cpu-profile.ts), or bytes allocated of a
 * `.heapprofile` (BENCH_HEAP_PROFILE), by package or by function:
 *   node bench/lib/profile-summary.ts <file> [package|function] [rows]
 * A package is a node_modules package, one of ours (packages/<name>, apps/<name>), a Node module or a
 * native frame ((idle), (garbage collector), a libuv or V8 call).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode extends ProfileNode {
  selfSize: number;
  children: HeapNode[];
}

const [file, mode = 'package', rowsText = '40'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/profile-summary.ts <file.cpuprofile> [package|function] [rows]');
  process.exit(2);
}
if (file.endsWith('.heapprofile')) {
  summariseHeap((JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head);
  process.exit(0);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<string, number>();
let totalMicros = 0;
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index] ?? 0;
  const node = nodes.get(id);
  if (!node) return;
  const key = mode === 'function' ? functionKey(node) : packageKey(node);
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + micros);
  totalMicros += micros;
});
console.log(`${(totalMicros / 1000).toFixed(0)} ms sampled`);
const rows = [...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsText));
for (const [key, micros] of rows) {
  console.log(`${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / totalMicros).toFixed(1).padStart(5)} %  ${key}`);
}

function packageKey(node: ProfileNode): string {
  const url = node.callFrame.url.replace(/^file:\/\//, '');
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url === '' ? node.callFrame.functionName || '(native)' : url;
}

function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

/** A sampled allocation profile: bytes allocated (collected or not) where they were allocated. */
function summariseHeap(head: HeapNode): void {
  const selfBytes = new Map<string, number>();
  let totalBytes = 0;
  const visit = (node: HeapNode): void => {
    const key = mode === 'function' ? functionKey(node) : packageKey(node);
    selfBytes.set(key, (selfBytes.get(key) ?? 0) + node.selfSize);
    totalBytes += node.selfSize;
    node.children.forEach(visit);
  };
  visit(head);
  console.log(`${(totalBytes / 2 ** 20).toFixed(0)} MiB allocated (sampled)`);
  const rows = [...selfBytes].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsText));
  for (const [key, bytes] of rows) {
    console.log(`${(bytes / 2 ** 20).toFixed(1).padStart(9)} MiB ${((100 * bytes) / totalBytes).toFixed(1).padStart(5)} %  ${key}`);
  }
}
