/**
 * Envelope of the event published for every routed engagement (docs/design.md): the publisher, the
 * CDK rules that deliver it to departments and its JSON Schema all use these values.
 */
export const ENGAGEMENT_ROUTED = { source: 'switchboard', detailType: 'Engagement Routed' } as const;
