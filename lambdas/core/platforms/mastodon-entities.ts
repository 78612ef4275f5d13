import * as z from 'zod/mini';
// English issue messages: zod's mini API sets no locale of its own, and this module configures it.
import '../engagement/engagement.schema.js';

/**
 * Mastodon's Account and Status entities as both the admin-webhook adapter and the notification
 * poller read them (the same JSON from the same server), each extending the status with the
 * fields it alone uses.
 */
export const HttpUrl = z.url({ protocol: /^https?$/ });
/** A bad optional link must not sink the delivery: it is dropped, not rejected. */
export const OptionalUrl = z.catch(z.nullish(HttpUrl), undefined);
export const IsoDate = z.iso.datetime({ offset: true });

export const MastodonAccountSchema = z.object({
  id: z.string().check(z.minLength(1)),
  acct: z.string().check(z.minLength(1)),
  display_name: z.nullish(z.string()),
  url: OptionalUrl,
  uri: OptionalUrl,
  followers_count: z.catch(z.nullish(z.int().check(z.nonnegative())), undefined),
});
export type MastodonAccount = z.output<typeof MastodonAccountSchema>;

/** A Mastodon status; each reader adds the fields it alone uses (`z.extend`, or its shape). */
export const MastodonStatusSchema = z.object({
  id: z.string().check(z.minLength(1)),
  uri: HttpUrl,
  url: OptionalUrl,
  created_at: IsoDate,
  account: MastodonAccountSchema,
  content: z.string(),
  spoiler_text: z.nullish(z.string()),
  visibility: z.string().check(z.minLength(1)),
  in_reply_to_id: z.nullish(z.string()),
  language: z.nullish(z.string()),
});
