export { withTempDir, writeStreamToFile, hashFile, measureStream } from './scratch-files.ts';
export type { WrittenFile } from './scratch-files.ts';
