import { PLATFORM_IDS } from '../../../lambdas/core/engagement/platform-ids.js';
import { adapterFor, adapters } from '../../../lambdas/core/platforms/registry.js';
import { localSecrets } from '../../support/local-secrets.js';

describe('adapter registry', () => {
  it('registers x, facebook and generic, each under its own id', () => {
    expect([...adapters.keys()]).toEqual(['x', 'facebook', 'generic']);
    for (const [id, adapter] of adapters) expect(adapter.id).toBe(id);
  });

  it('finds adapters by path segment and nothing for unknown or not-yet-supported platforms', () => {
    expect(adapterFor('facebook')?.id).toBe('facebook');
    for (const name of ['instagram', 'X', 'twitter', '', '__proto__', 'constructor']) expect(adapterFor(name)).toBeUndefined();
  });

  it('has local fake secrets for all platform ids, holding every key an adapter needs', () => {
    expect(Object.keys(localSecrets).sort()).toEqual([...PLATFORM_IDS].sort());
    for (const adapter of adapters.values()) {
      for (const key of adapter.secretKeys) expect(localSecrets[adapter.id]?.[key]).toMatch(/^local-/);
    }
  });
});
