/** Every platform id of the docs/design.md contract; webhook paths are `/webhooks/{platform}`. */
export const PLATFORM_IDS = [
  'x',
  'facebook',
  'instagram',
  'threads',
  'linkedin',
  'youtube',
  'reddit',
  'mastodon',
  'bluesky',
  'tiktok',
  'rss',
  'wordpress',
  'google-business',
  'trustpilot',
  'foursquare',
  'generic',
] as const;

/** A platform id from {@link PLATFORM_IDS}. */
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** Narrows an arbitrary string (a path segment, a config key) to a known platform id. */
export function isPlatformId(value: string): value is PlatformId {
  return (PLATFORM_IDS as readonly string[]).includes(value);
}
