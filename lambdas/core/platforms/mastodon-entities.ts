import * as z from 'zod';

/**
 * Mastodon's Account and Status entities as both the admin-webhook adapter and the notification
 * poller read them (the same JSON from the same server), each extending the status with the
 * fields it alone uses.
 */
export const HttpUrl = z.url({ protocol: /^https?$/ });
/** A bad optional link must not sink the delivery: it is dropped, not rejected. */
export const OptionalUrl = HttpUrl.nullish().catch(undefined);
export const IsoDate = z.iso.datetime({ offset: true });

export const MastodonAccountSchema = z.object({
  id: z.string().min(1),
  acct: z.string().min(1),
  display_name: z.string().nullish(),
  url: OptionalUrl,
  uri: OptionalUrl,
  followers_count: z.number().int().nonnegative().nullish().catch(undefined),
});
export type MastodonAccount = z.output<typeof MastodonAccountSchema>;

export const MastodonStatusSchema = z.object({
  id: z.string().min(1),
  uri: HttpUrl,
  url: OptionalUrl,
  created_at: IsoDate,
  account: MastodonAccountSchema,
  content: z.string(),
  spoiler_text: z.string().nullish(),
  visibility: z.string().min(1),
  in_reply_to_id: z.string().nullish(),
  language: z.string().nullish(),
});
