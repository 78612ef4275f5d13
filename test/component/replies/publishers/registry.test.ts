import { publisherFor, publishers } from '#core/replies/publishers/registry.js';

describe('publisher registry', () => {
  it('has one publisher per platform that publishes replies, each under its own id', () => {
    expect([...publishers.keys()].sort()).toEqual([
      'bluesky',
      'facebook',
      'generic',
      'instagram',
      'linkedin',
      'mastodon',
      'reddit',
      'x',
      'youtube',
    ]);
    for (const [id, publisher] of publishers) expect(publisher.platform).toBe(id);
  });

  it('dedupes only where the platform honours an idempotency key; every other one can be checked or says it cannot', () => {
    const idempotent = [...publishers.values()].filter((p) => p.idempotent).map((p) => p.platform);
    expect(idempotent.sort()).toEqual(['generic', 'mastodon']);
    for (const publisher of publishers.values())
      if (!publisher.idempotent) expect(typeof publisher.find).toBe('function');
  });

  it('answers undefined for platforms without a publisher', () => {
    expect(publisherFor('x')?.platform).toBe('x');
    expect(publisherFor('tiktok')).toBeUndefined();
  });
});
