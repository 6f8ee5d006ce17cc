/**
 * `d_<public_id>`: the image delivered instead when the requested one is missing or rejected by
 * moderation (shared/spec/cloudinary-reference-wave2.md §3.5). It changes no pixel of an image that
 * exists, so it is taken out of the transformation before anything is planned: `d_x,w_100` and
 * `w_100` are the same derivative. A colon in the name is a folder separator (`d_avatars:anon.png`),
 * and the name carries its format.
 */
export interface DefaultImageSplit {
  /** The default image's public_id with its extension (`avatars/anon.png`); absent when none is named. */
  defaultImage?: string;
  /** The transformation without it (components left empty are dropped). */
  rest: string;
}

const DEFAULT_IMAGE_PARAMETER = /^d_([A-Za-z0-9_:.-]+)$/;

export function splitDefaultImage(transformation: string): DefaultImageSplit {
  if (!transformation.includes('d_')) return { rest: transformation };
  let defaultImage: string | undefined;
  const components = transformation.split('/').flatMap((component) => {
    const kept = component.split(',').filter((parameter) => {
      const match = DEFAULT_IMAGE_PARAMETER.exec(parameter);
      if (!match) return true;
      defaultImage = match[1]!.replaceAll(':', '/');
      return false;
    });
    return kept.length > 0 ? [kept.join(',')] : [];
  });
  return { ...(defaultImage !== undefined ? { defaultImage } : {}), rest: components.join('/') };
}
