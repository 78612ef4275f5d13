import * as z from 'zod';
import * as zm from 'zod/mini';
import { ENGAGEMENT_ROUTED } from '#core/engagement/engagement-routed.js';
import { EngagementSchema, ENGAGEMENT_SCHEMA_VERSION } from '#core/engagement/engagement.schema.js';
import { eventEnvelope } from './envelope.js';

/**
 * "Engagement Routed" exactly as a department's queue receives it: the EventBridge envelope
 * with the engagement as `detail`. The JSON Schema next to this file is generated from it
 * (`npm run schemas`) and a test fails when the two drift apart.
 */
export const EngagementRoutedEventSchema = eventEnvelope(
  ENGAGEMENT_ROUTED.detailType,
  z.literal(ENGAGEMENT_ROUTED.source),
  EngagementSchema.check(zm.describe(`Engagement, schema version ${ENGAGEMENT_SCHEMA_VERSION}; dedupe on detail.id`)),
).meta({
  title: 'Engagement Routed',
  description:
    'Published by Switchboard for every routed engagement; delivered to each department in detail.routing.departments.',
});

/** The JSON Schema text of a published event, as committed under events/schemas/. */
export function jsonSchemaText(schema: z.ZodType): string {
  return `${JSON.stringify(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }), null, 2)}\n`;
}
