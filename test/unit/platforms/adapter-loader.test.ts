import { loadAdapter, WEBHOOK_PLATFORMS } from '#core/platforms/adapter-loader.js';
import { adapters } from '#core/platforms/registry.js';

describe('adapters loaded on first use (the function bundles)', () => {
  it('knows exactly the platforms of the registry, and loads the same adapter for each', async () => {
    expect([...WEBHOOK_PLATFORMS]).toEqual([...adapters.keys()]);
    for (const platform of WEBHOOK_PLATFORMS) expect(await loadAdapter(platform)).toBe(adapters.get(platform as never));
  });

  it('answers undefined for a platform without an adapter, or a name that is not one', async () => {
    for (const name of ['rss', 'reddit', 'nope', '__proto__', 'constructor', 'toString'])
      expect(await loadAdapter(name)).toBeUndefined();
  });

  it('loads each adapter once, however many deliveries ask for it at the same time', async () => {
    const [a, b] = await Promise.all([loadAdapter('x'), loadAdapter('x')]);
    expect(a).toBe(b);
  });
});
