import * as z from 'zod';
import { ENGAGEMENT_KINDS } from '../engagement/engagement.schema.js';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';

/**
 * An engagement draft an example stands for, as `switchboard simulate` accepts it: `platform`
 * (default `generic`) and `text`, with whatever else a rule looks at. Strict, so a misspelt
 * field (`follower`) is an error rather than an example that silently tests something else.
 */
export const ExampleDraftSchema = z.strictObject({
  platform: z.enum(PLATFORM_IDS).default('generic'),
  text: z.string(),
  kind: z.enum(ENGAGEMENT_KINDS).optional(),
  language: z.string().optional(),
  rating: z.number().int().min(1).max(5).optional(),
  url: z.url().optional(),
  author: z
    .strictObject({
      id: z.string().min(1).optional(),
      handle: z.string().optional(),
      name: z.string().optional(),
      followers: z.number().int().nonnegative().optional(),
      verified: z.boolean().optional(),
    })
    .optional(),
  account: z.strictObject({ id: z.string().min(1), handle: z.string().optional() }).optional(),
  thread: z.strictObject({ parentId: z.string().optional(), conversationId: z.string().optional() }).optional(),
});
