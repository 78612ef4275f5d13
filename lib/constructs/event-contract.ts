/** Envelope of published engagements (DESIGN.md); the publisher in lambdas/shared uses the same values. */
export const ENGAGEMENT_SOURCE = 'switchboard';
export const ENGAGEMENT_ROUTED = 'Engagement Routed';
