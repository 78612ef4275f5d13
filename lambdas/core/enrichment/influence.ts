/**
 * Author influence from follower counts, in the tiers marketing teams commonly use
 * (nano < 1k ≤ micro < 10k ≤ mid < 100k ≤ macro < 1M ≤ mega). Rules can match the tier
 * (`influence: { tier: [macro, mega] }`) instead of repeating numeric thresholds.
 */

export const INFLUENCE_TIERS = ['nano', 'micro', 'mid', 'macro', 'mega'] as const;
export type InfluenceTier = (typeof INFLUENCE_TIERS)[number];

/** Lower bound (inclusive) of each tier. */
export const TIER_FLOORS: Readonly<Record<InfluenceTier, number>> = {
  nano: 0,
  micro: 1_000,
  mid: 10_000,
  macro: 100_000,
  mega: 1_000_000,
};

export interface Influence {
  tier: InfluenceTier;
  followers: number;
  verified?: boolean;
}

export function influenceTier(followers: number): InfluenceTier {
  let tier: InfluenceTier = 'nano';
  for (const t of INFLUENCE_TIERS) if (followers >= TIER_FLOORS[t]) tier = t;
  return tier;
}

/** Influence of an author, or undefined when the platform gives no (valid) follower count. */
export function influenceOf(
  author: { followers?: number | undefined; verified?: boolean | undefined } | undefined,
): Influence | undefined {
  const followers = author?.followers;
  if (followers === undefined || !Number.isFinite(followers) || followers < 0) return undefined;
  return {
    tier: influenceTier(followers),
    followers,
    ...(author?.verified !== undefined ? { verified: author.verified } : {}),
  };
}
