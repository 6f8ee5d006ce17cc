import sharp from 'sharp';

/**
 * The libvips loaders a worker needs. Everything else libvips can open (its own .v format, FITS,
 * Matlab, PPM, CSV, raw camera files…) is attack surface no upload uses.
 */
const ALLOWED_LOADERS = [
  'VipsForeignLoadJpeg',
  'VipsForeignLoadPng',
  'VipsForeignLoadWebp',
  'VipsForeignLoadNsgif',
  'VipsForeignLoadSvg',
  'VipsForeignLoadTiff',
  'VipsForeignLoadHeif',
];

export type ImageRuntimeOptions = {
  /** libvips threads per image; sharp's default is one per core, which oversubscribes a worker running several jobs. */
  threadsPerImage?: number;
  /** Memory of libvips' operation cache in MB (IMAGE_OPERATION_CACHE_MB); 0 or absent: off. */
  operationCacheMb?: number;
};

/** Open files and operations libvips' cache may hold besides its memory (a cached load keeps its file open). */
const CACHE_FILES = 20;
const CACHE_ITEMS = 100;

/**
 * Process-wide settings for a worker, called once at boot by the composition root (sharp's state is
 * global, so no function of this package changes it on its own). libvips' operation cache is keyed by
 * file name: it is safe here because every name a worker reads only ever holds one content — a stored
 * original's path names its version (objects are never rewritten in place), and scratch and staging
 * names are random and never reused while cached. A derive job reads the original in place, so the
 * derivatives of one original at several sizes share its decode. Off unless a size is given.
 */
export function configureImageRuntime(options: ImageRuntimeOptions = {}): void {
  const memory = options.operationCacheMb ?? 0;
  sharp.cache(memory > 0 ? { memory, files: CACHE_FILES, items: CACHE_ITEMS } : false);
  if (options.threadsPerImage !== undefined) sharp.concurrency(options.threadsPerImage);
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
}
