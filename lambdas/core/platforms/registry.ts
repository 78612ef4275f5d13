import { isPlatformId, type PlatformId } from '../engagement/platform-ids.js';
import type { PlatformAdapter } from './adapter.js';
import { facebookAdapter } from './facebook.js';
import { genericAdapter } from './generic.js';
import { xAdapter } from './x.js';

/** Every platform with an adapter, by id; a platform id missing here has no webhook yet. */
export const adapters: ReadonlyMap<PlatformId, PlatformAdapter> = new Map(
  [xAdapter, facebookAdapter, genericAdapter].map((adapter) => [adapter.id, adapter]),
);

/** The adapter for a webhook path segment or config key; undefined for unknown or not-yet-supported platforms. */
export function adapterFor(platform: string): PlatformAdapter | undefined {
  return isPlatformId(platform) ? adapters.get(platform) : undefined;
}
