import type { PlatformAdapter } from './adapter.js';

/**
 * Each platform adapter, imported only when a delivery for it arrives. The adapters build their
 * payload schemas when they are imported; a function bundle built from this file (esbuild, no
 * code splitting) keeps each adapter behind a lazy initializer, so a cold start compiles and runs
 * none of them, and an invocation pays for its own platform only. The CLI, the twin and the CDK
 * app use `registry.ts`, which imports them all.
 */
const loaders = {
  x: async () => (await import('./x.js')).xAdapter,
  facebook: async () => (await import('./facebook.js')).facebookAdapter,
  instagram: async () => (await import('./instagram.js')).instagramAdapter,
  threads: async () => (await import('./threads.js')).threadsAdapter,
  linkedin: async () => (await import('./linkedin.js')).linkedinAdapter,
  youtube: async () => (await import('./youtube.js')).youtubeAdapter,
  mastodon: async () => (await import('./mastodon.js')).mastodonAdapter,
  tiktok: async () => (await import('./tiktok.js')).tiktokAdapter,
  wordpress: async () => (await import('./wordpress.js')).wordpressAdapter,
  'google-business': async () => (await import('./google-business.js')).googleBusinessAdapter,
  trustpilot: async () => (await import('./trustpilot.js')).trustpilotAdapter,
  foursquare: async () => (await import('./foursquare.js')).foursquareAdapter,
  generic: async () => (await import('./generic.js')).genericAdapter,
} satisfies Record<string, () => Promise<PlatformAdapter>>;

/** The platforms with a webhook adapter, in the registry's order. */
export const WEBHOOK_PLATFORMS: readonly string[] = Object.keys(loaders);

const loaded = new Map<string, Promise<PlatformAdapter>>();

/** The adapter for a webhook path segment, imported on first use; undefined for platforms without one. */
export function loadAdapter(platform: string): Promise<PlatformAdapter | undefined> {
  if (!Object.hasOwn(loaders, platform)) return Promise.resolve(undefined);
  let adapter = loaded.get(platform);
  if (!adapter) {
    adapter = loaders[platform as keyof typeof loaders]();
    loaded.set(platform, adapter);
  }
  return adapter;
}
