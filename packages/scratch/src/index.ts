export { withTempDir, withLazyTempDir, writeStreamToFile, hashBytes, hashFile, measureStream } from './scratch-files.ts';
export type { WrittenFile } from './scratch-files.ts';
export { sweepScratchDirs, scratchDirPrefix } from './scratch-sweep.ts';
export type { ScratchSweepResult } from './scratch-sweep.ts';
export { inputInMemory, inputOnDisk } from './input-file.ts';
export type { InputFile } from './input-file.ts';
