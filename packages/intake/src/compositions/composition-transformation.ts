import type { CatalogDb } from '@rendition/catalog';
import { resolveEagerSpecs } from '@rendition/derivations';
import { ApiError, normalizeFormat } from '@rendition/protocol';
import { hasExpressions } from '@rendition/transform';

/** A composition's transformation: what runs on every image, and the format the result is written in. */
export interface CompositionTransformation {
  /** Canonical, named transformations expanded, without `f_`; '' for none. */
  transformation: string;
  /** The last `f_` of the text (the SDKs turn a `format` option into one), normalised; null when none. */
  format: string | null;
}

/**
 * Takes every `f_<format>` parameter out of the transformation text (the last one names the format:
 * `f_pdf` is no image format a transformation may name, so it is read here and never parsed).
 */
export function splitFormatParameter(text: string): { rest: string; format: string | null } {
  let format: string | null = null;
  const components = text
    .split('/')
    .map((component) =>
      component
        .split(',')
        .filter((parameter) => {
          if (!parameter.startsWith('f_')) return true;
          format = normalizeFormat(parameter.slice(2));
          return false;
        })
        .join(','),
    )
    .filter((component) => component !== '');
  return { rest: components.join('/'), format };
}

/**
 * Validates and canonicalises a composition's `transformation` as an eager item on an image is (a bad
 * parameter is the same 400), so nothing invalid reaches a job.
 */
export async function resolveCompositionTransformation(db: CatalogDb, cloudName: string, text: string | undefined): Promise<CompositionTransformation> {
  const { rest, format } = splitFormatParameter(text ?? '');
  if (rest.includes('|')) throw new ApiError(400, `Invalid transformation ${text ?? ''}: one transformation is applied to every image`);
  // One transformation for every member image: a condition on each member's own data is not supported.
  if (hasExpressions(rest))
    throw new ApiError(400, `Invalid transformation ${text ?? ''}: conditionals and variables are not supported for compositions`);
  const [spec] = await resolveEagerSpecs(db, cloudName, rest, undefined, undefined, 'image');
  return { transformation: spec?.transformation ?? '', format };
}

/**
 * The transformation a sprite's URLs carry when the client named a format (`/image/sprite/<this>/v<version>/<tag>.css`,
 * `.jpg`, `.json`): its transformation as given, `f_` included, canonical with named transformations
 * expanded. Only the last `f_` is kept (the one that names the format; earlier ones change nothing),
 * normalised (`f_jpeg` → `f_jpg`). `format` is that last one's, already known to be an image format.
 */
export async function resolveSpriteUrlTransformation(db: CatalogDb, cloudName: string, text: string, format: string): Promise<string> {
  const [spec] = await resolveEagerSpecs(db, cloudName, keepLastFormatParameter(text, format), undefined, undefined, 'image');
  return spec?.transformation ?? '';
}

/** The text with every `f_` but the last removed, that one written `f_<format>`, where it was. */
export function keepLastFormatParameter(text: string, format: string): string {
  const components = text.split('/').map((component) => component.split(','));
  const formats = components.flatMap((parameters, index) => parameters.flatMap((parameter, at) => (parameter.startsWith('f_') ? [{ index, at }] : [])));
  const last = formats.at(-1);
  return components
    .map((parameters, index) =>
      parameters
        .flatMap((parameter, at) => {
          if (!parameter.startsWith('f_')) return [parameter];
          return last?.index === index && last.at === at ? [`f_${format}`] : [];
        })
        .join(','),
    )
    .filter((component) => component !== '')
    .join('/');
}
