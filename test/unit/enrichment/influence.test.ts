import { influenceOf, influenceTier } from '#core/enrichment/influence.js';

describe('influence tiers', () => {
  it.each([
    [0, 'nano'],
    [999, 'nano'],
    [1_000, 'micro'],
    [9_999, 'micro'],
    [10_000, 'mid'],
    [99_999, 'mid'],
    [100_000, 'macro'],
    [999_999, 'macro'],
    [1_000_000, 'mega'],
    [50_000_000, 'mega'],
  ] as const)('%d followers → %s', (followers, tier) => {
    expect(influenceTier(followers)).toBe(tier);
  });

  it('is absent without a valid follower count and keeps verified', () => {
    expect(influenceOf(undefined)).toBeUndefined();
    expect(influenceOf({})).toBeUndefined();
    expect(influenceOf({ followers: -1 })).toBeUndefined();
    expect(influenceOf({ followers: 12_000, verified: true })).toEqual({
      tier: 'mid',
      followers: 12_000,
      verified: true,
    });
  });
});
