export { withTempDir, writeStreamToFile, hashFile } from './scratch-files.ts';
export type { WrittenFile } from './scratch-files.ts';
