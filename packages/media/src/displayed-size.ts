import type { ImageProbe } from './probe-image.ts';

/**
 * Width and height as a viewer shows the image: EXIF orientations 5 to 8 turn it a quarter, so a
 * phone's portrait photo stored as 4032x3024 with orientation 6 is shown 3024x4032.
 */
export function displayedSize(probe: Pick<ImageProbe, 'width' | 'height' | 'orientation'>): { width: number; height: number } {
  const quarterTurn = probe.orientation !== undefined && probe.orientation >= 5 && probe.orientation <= 8;
  return quarterTurn ? { width: probe.height, height: probe.width } : { width: probe.width, height: probe.height };
}
