import { loadConfig } from '#core/config/load-config.js';
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

  it('has local fake secrets for all platform ids, holding every key an adapter needs, and a token per department', () => {
    expect(Object.keys(localSecrets).sort()).toEqual([...PLATFORM_IDS, 'departments'].sort());
    const departments = loadConfig('config/switchboard.yaml').config.departments.map((d) => d.id);
    expect(Object.keys(localSecrets.departments ?? {}).sort()).toEqual(departments.sort());
    for (const id of departments)
      expect((localSecrets.departments as unknown as Record<string, { statusToken: string }>)[id]?.statusToken).toMatch(
        /^local-/,
      );
    for (const adapter of adapters.values()) {
      for (const key of adapter.secretKeys) expect(localSecrets[adapter.id]?.[key]).toMatch(/^local-/);
    }
  });
});
