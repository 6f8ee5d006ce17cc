// Cloudinary's predefined adaptive-streaming profiles (`sp_<name>`): each a ladder of renditions, each
// rendition one transformation. The names are Cloudinary's (asserted by the SDKs' tests); the rungs
// (sizes, bit rates, codec profiles) follow Cloudinary's published table as far as it is known and are
// a [GUESS] where it is not (docs/compatibility.md, "Streaming profiles").

export type StreamingProfile = {
  name: string;
  displayName: string;
  predefined: boolean;
  /** One transformation per rendition, smallest first, in canonical form. */
  representations: string[];
};

const RUNGS = {
  '240p': 'br_192k,c_limit,h_240,vc_h264:baseline:3.0,w_320',
  '270p': 'br_800k,c_limit,h_270,vc_h264:baseline:3.0,w_480',
  '360p': 'br_2m,c_limit,h_360,vc_h264:baseline:3.0,w_640',
  '540p': 'br_3500k,c_limit,h_540,vc_h264:main:3.1,w_960',
  '720p': 'br_5500k,c_limit,h_720,vc_h264:main:3.1,w_1280',
  '1080p': 'br_8500k,c_limit,h_1080,vc_h264:high:4.1,w_1920',
  '1440p': 'br_16m,c_limit,h_1440,vc_h264:high:5.1,w_2560',
  '2160p': 'br_35m,c_limit,h_2160,vc_h264:high:5.1,w_3840',
} as const;

const WIFI_RUNGS = [
  'br_1500k,c_limit,h_360,vc_h264:high:4.0,w_640',
  'br_3m,c_limit,h_540,vc_h264:high:4.0,w_960',
  'br_6m,c_limit,h_720,vc_h264:high:4.0,w_1280',
  'br_10m,c_limit,h_1080,vc_h264:high:4.1,w_1920',
];

const profile = (name: string, displayName: string, representations: string[]): StreamingProfile => ({
  name,
  displayName,
  predefined: true,
  representations,
});

export const PREDEFINED_STREAMING_PROFILES: readonly StreamingProfile[] = [
  profile('4k', '4K (2160p)', [
    RUNGS['240p'],
    RUNGS['270p'],
    RUNGS['360p'],
    RUNGS['540p'],
    RUNGS['720p'],
    RUNGS['1080p'],
    RUNGS['1440p'],
    RUNGS['2160p'],
  ]),
  profile('full_hd', 'Full HD (1080p)', [RUNGS['240p'], RUNGS['270p'], RUNGS['360p'], RUNGS['540p'], RUNGS['720p'], RUNGS['1080p']]),
  profile('hd', 'HD (720p)', [RUNGS['240p'], RUNGS['270p'], RUNGS['360p'], RUNGS['540p'], RUNGS['720p']]),
  profile('sd', 'SD (360p)', [RUNGS['240p'], RUNGS['270p'], RUNGS['360p']]),
  profile('full_hd_wifi', 'Full HD WiFi (1080p)', WIFI_RUNGS),
  profile('full_hd_lean', 'Full HD Lean (1080p)', [RUNGS['240p'], RUNGS['360p'], RUNGS['720p'], RUNGS['1080p']]),
  profile('hd_lean', 'HD Lean (720p)', [RUNGS['240p'], RUNGS['360p'], RUNGS['720p']]),
  // `sp_auto` (the upload response's playback_url): Cloudinary picks the ladder from the source; here the
  // full HD ladder, whose rungs above the source's size are dropped like every profile's.
  profile('auto', 'Automatic', [RUNGS['240p'], RUNGS['360p'], RUNGS['720p'], RUNGS['1080p']]),
];

export function predefinedStreamingProfile(name: string): StreamingProfile | undefined {
  return PREDEFINED_STREAMING_PROFILES.find((candidate) => candidate.name === name);
}
