import { ApiError } from '@rendition/protocol';

// Every refusal this package makes, in one place. All are 400s whose message names the offending
// parameter or value. The README lists which texts are Cloudinary's and which are Rendition's own.

const bad = (message: string): ApiError => new ApiError(400, message);

/** Human names of the keys, as they appear in `Invalid <name> in transformation: <value>`. */
export const PARAMETER_NAMES = {
  w: 'width',
  h: 'height',
  ar: 'aspect ratio',
  x: 'x',
  y: 'y',
  q: 'quality',
  r: 'radius',
  a: 'angle',
  bo: 'border',
  o: 'opacity',
  dpr: 'dpr',
  dn: 'density',
  pg: 'page',
  so: 'start offset',
  eo: 'end offset',
  du: 'duration',
  vc: 'video codec',
  ac: 'audio codec',
  br: 'bit rate',
  af: 'audio frequency',
  fps: 'fps',
  ki: 'keyframe interval',
  vs: 'video sampling',
  sp: 'streaming profile',
  cs: 'color space',
  dl: 'delay',
  z: 'zoom',
} as const;
export type NamedKey = keyof typeof PARAMETER_NAMES;

export const transformErrors = {
  /** A component that is not `key_value[,key_value…]` (no `_`, empty key or value, `,,`). */
  invalidComponent: (component: string) => bad(`Invalid transformation component - ${component}`),
  emptyComponent: (text: string) => bad(`Invalid transformation - empty component in ${text}`),
  tooLong: (max: number) => bad(`Invalid transformation - longer than ${max} characters`),
  tooManyComponents: (max: number) => bad(`Invalid transformation - more than ${max} components`),
  badEncoding: (text: string) => bad(`Invalid transformation - bad percent-encoding in ${text}`),
  unknownParameter: (param: string) => bad(`Unknown transformation parameter - ${param}`),
  unsupportedParameter: (param: string) => bad(`Unsupported transformation parameter - ${param}`),
  unsupportedPageSelection: (param: string) =>
    bad(`Unsupported transformation parameter - ${param}: page ranges, lists and pg_all are not supported, select one page (pg_<n>)`),
  invalidValue: (key: NamedKey, value: string) => bad(`Invalid ${PARAMETER_NAMES[key]} in transformation: ${value}`),
  invalidCrop: (value: string) => bad(`Invalid crop mode - ${value}`),
  invalidGravity: (value: string) => bad(`Invalid gravity - ${value}`),
  invalidFormat: (value: string) => bad(`Invalid format - ${value}`),
  invalidEffect: (value: string) => bad(`Invalid effect - ${value}`),
  invalidColor: (value: string) => bad(`Invalid color - ${value}`),
  invalidFlag: (value: string) => bad(`Invalid flag - ${value}`),
  invalidNamed: (value: string) => bad(`Invalid named transformation - ${value}`),
  unknownNamed: (name: string) => bad(`Unknown transformation ${name}`),
  namedCycle: (path: readonly string[]) => bad(`Invalid named transformation - cycle: ${path.join(' -> ')}`),
  namedTooDeep: (max: number, path: readonly string[]) => bad(`Invalid named transformation - nested more than ${max} deep: ${path.join(' -> ')}`),
  emptyEagerItem: (text: string) => bad(`Invalid eager transformation - empty item in ${text}`),
  videoOnImage: (params: readonly string[]) => bad(`Invalid transformation for an image - video only: ${params.join(', ')}`),
  outputTooLarge: (width: number, height: number, limit: string) => bad(`Requested output of ${width}x${height} exceeds the maximum ${limit}`),
  // Video (the recipe builder). Rendition's own texts, in the shape of the ones above.
  unsupportedForVideo: (param: string) => bad(`Unsupported transformation parameter for video - ${param}`),
  rateTooHigh: (what: 'frame rate' | 'bit rate', value: number, max: number) => bad(`Requested ${what} of ${value} exceeds the maximum of ${max}`),
  emptyTrim: (start: number, end: number) => bad(`Invalid transformation - start offset ${start} is not before end offset ${end}`),
  codecNotInContainer: (kind: 'video' | 'audio', codec: string, format: string) => bad(`Unsupported ${kind} codec ${codec} for format ${format}`),
  sampleRateNotForCodec: (hertz: number, codec: string) => bad(`Unsupported audio frequency ${hertz} for audio codec ${codec}`),
  noVideoStream: (format: string) => bad(`Invalid transformation - ${format} needs a picture, and the video has none`),
  noAudioStream: (format: string) => bad(`Invalid transformation - ${format} needs sound, and the video has none`),
  nothingToDeliver: () => bad('Invalid transformation - the output would have neither picture nor sound'),
  animatedAvif: () => bad('Unsupported transformation parameter - animated avif from a video; use f_webp with fl_awebp, or gif'),
  streamingProfileOutsideStreaming: (param: string, format: string) =>
    bad(`Invalid transformation - ${param} needs the m3u8 or mpd format, not ${format}`),
  unknownStreamingProfile: (name: string) => bad(`Unknown streaming profile ${name}`),
  invalidRepresentation: (profile: string, text: string, reason: string) =>
    bad(`Invalid streaming profile ${profile} - representation ${text}: ${reason}`),
};
