import { isUtf8 } from 'node:buffer';
import * as z from 'zod/mini';
import { EngagementDraftSchema } from '../engagement/engagement.schema.js';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';

/**
 * A delivery as the webhook function (or a poller) writes it to the intake queue: the exact
 * bytes the platform sent, so the process function can re-read them with the same adapter and
 * the raw payload can be retained for audit. UTF-8 bodies travel as text; anything else as base64.
 */
export const IntakeDeliverySchema = z.object({
  v: z.literal(1),
  platform: z.enum(PLATFORM_IDS),
  receivedAt: z.iso.datetime({ offset: true }),
  /** Headers the adapter may need to read the body (content type); never signatures or secrets. */
  headers: z._default(z.record(z.string(), z.string()), {}),
  body: z.optional(z.string()),
  bodyBase64: z.optional(z.string()),
  /** Engagement events a poller already read (pollers have no raw delivery to re-read). */
  events: z.optional(
    z.array(z.object({ change: z.enum(['created', 'edited', 'deleted']), draft: EngagementDraftSchema })),
  ),
  /** Where it came from when not a webhook, e.g. `poll:<target id>`. */
  source: z.optional(z.string()),
});

/** See {@link IntakeDeliverySchema}. */
export type IntakeDelivery = z.infer<typeof IntakeDeliverySchema>;

/** Builds the intake message for a verified request body. */
export function toIntakeDelivery(
  platform: IntakeDelivery['platform'],
  rawBody: Buffer,
  receivedAt: string,
  headers: Record<string, string> = {},
): IntakeDelivery {
  return {
    v: 1,
    platform,
    receivedAt,
    headers,
    ...(isUtf8(rawBody) ? { body: rawBody.toString('utf8') } : { bodyBase64: rawBody.toString('base64') }),
  };
}

/** The exact bytes of the delivery's body. */
export function deliveryBytes(delivery: IntakeDelivery): Buffer {
  return delivery.bodyBase64 !== undefined
    ? Buffer.from(delivery.bodyBase64, 'base64')
    : Buffer.from(delivery.body ?? '', 'utf8');
}
