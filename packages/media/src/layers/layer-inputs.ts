import type { AssetLayerSource, FetchLayerSource } from '@rendition/transform';

/**
 * Where the image executor gets the files of a plan's asset and fetch layers: the derive job downloads
 * the overlay asset's blob, or fetches the URL through the SSRF guard, into its scratch directory.
 * Text layers need none (they are rendered by the executor).
 */
export interface LayerInputs {
  fileFor(source: AssetLayerSource | FetchLayerSource): Promise<string>;
}
