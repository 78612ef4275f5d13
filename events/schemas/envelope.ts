import * as z from 'zod';
import type * as core from 'zod/v4/core';

/**
 * An event as EventBridge delivers it: its envelope, with the given detail type, source and
 * detail. Every published event's schema is one of these.
 */
export function eventEnvelope<S extends core.$ZodType, D extends core.$ZodType>(
  detailType: string,
  source: S,
  detail: D,
) {
  return z.object({
    version: z.literal('0'),
    id: z.string().describe('EventBridge event id; unique per publication'),
    'detail-type': z.literal(detailType),
    source,
    account: z.string(),
    time: z.iso.datetime({ offset: true }),
    region: z.string(),
    resources: z.array(z.string()),
    detail,
  });
}
