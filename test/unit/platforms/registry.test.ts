import { PLATFORM_IDS } from '#core/engagement/platform-ids.js';
import { adapterFor, adapters } from '#core/platforms/registry.js';
import { localSecrets } from '#test-support/local-secrets.js';

describe('adapter registry', () => {
  it('registers each adapter under its own platform id, covering every webhook platform', () => {
    for (const [id, adapter] of adapters) expect(adapter.id).toBe(id);
    // reddit and bluesky have no webhooks: they are polled
    expect([...adapters.keys()].sort()).toEqual(
      PLATFORM_IDS.filter((p) => !['reddit', 'bluesky', 'rss'].includes(p)).sort(),
    );
  });

  it('finds adapters by path segment and nothing for unknown names', () => {
    expect(adapterFor('facebook')?.id).toBe('facebook');
    for (const name of ['X', 'twitter', 'reddit', '', '__proto__', 'constructor'])
      expect(adapterFor(name)).toBeUndefined();
  });

  it('has local fake secrets for all platform ids, holding every key an adapter needs', () => {
    expect(Object.keys(localSecrets).sort()).toEqual([...PLATFORM_IDS].sort());
    for (const adapter of adapters.values()) {
      for (const key of adapter.secretKeys) expect(localSecrets[adapter.id]?.[key]).toMatch(/^local-/);
    }
  });
});
