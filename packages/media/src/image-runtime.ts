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
};

/**
 * Process-wide settings for a worker, called once at boot by the composition root (sharp's state is
 * global, so no function of this package changes it on its own). The operation cache is turned off:
 * a worker never reads the same upload twice, and a cache keyed by file name could answer for a file
 * that has since been replaced at that name.
 */
export function configureImageRuntime(options: ImageRuntimeOptions = {}): void {
  sharp.cache(false);
  if (options.threadsPerImage !== undefined) sharp.concurrency(options.threadsPerImage);
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
}
