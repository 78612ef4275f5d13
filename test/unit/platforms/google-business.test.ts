import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { googleBusinessAdapter } from '#core/platforms/google-business.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  rejectionOf,
} from '#test-support/webhook-requests.js';
import { describeSampleReplay, loadSamples } from './sample-replay.js';

const secret = { pushToken: 'test-push-token' };
const LOC = 'accounts/108200000000000000001/locations/4412000000000000007';
const REVIEW = `${LOC}/reviews/AbFvOqmF3x9kQ1`;
const PUBLISHED = '2025-06-03T09:15:01.123Z';

/** A wrapped Pub/Sub push of `data` (JSON, base64-encoded here with Buffer, independently of the adapter). */
const push = (data: unknown, message: Record<string, unknown> = {}) => ({
  message: {
    data: Buffer.from(JSON.stringify(data), 'utf8').toString('base64'),
    attributes: {},
    messageId: '9876543210',
    publishTime: PUBLISHED,
    ...message,
  },
  subscription: 'projects/acme-listen/subscriptions/gbp-reviews-push',
  deliveryAttempt: 1,
});
const normalize = (data: unknown, message?: Record<string, unknown>) =>
  normalizeJson(googleBusinessAdapter, push(data, message));

const request = (query: Record<string, string>, headers: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  query,
  rawBody: Buffer.from(JSON.stringify(push({ type: 'NEW_REVIEW', reviewName: REVIEW }))),
});
const verify = (r: WebhookRequest) => () => googleBusinessAdapter.verify(r, secret, now);

describe('Google Business Profile push token', () => {
  it('has no handshake and needs only pushToken', () => {
    expect(googleBusinessAdapter.handshake).toBeUndefined();
    expect(googleBusinessAdapter.secretKeys).toEqual(['pushToken']);
  });

  it('accepts the push endpoint ?token= equal to pushToken', () => {
    expect(verify(request({ token: secret.pushToken }))).not.toThrow();
  });

  it('refuses a missing token with 401, even with a Bearer JWT (not verified yet)', () => {
    const error = rejectionOf(verify(request({}, { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' })));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toMatch(/token query parameter.*Pub\/Sub push subscription.*pushToken/);
  });

  it.each(['nope', `${secret.pushToken}x`, ''.padEnd(secret.pushToken.length, 'x')])(
    'refuses the wrong token %p with 403',
    (token) => {
      expect(rejectionOf(verify(request({ token })))).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    },
  );
});

describe('Google Business Profile normalize', () => {
  it('maps a NEW_REVIEW notification (names only) to a review of the location with empty text and no rating', () => {
    const events = normalize({ type: 'NEW_REVIEW', reviewName: REVIEW, locationName: LOC });
    expect(events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'google-business',
          kind: 'review',
          externalId: REVIEW,
          text: '',
          createdAt: PUBLISHED,
          author: { id: 'unknown', handle: '', name: '' },
          account: { id: LOC },
        },
      },
    ]);
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
  });

  it.each([
    ['ONE', 1],
    ['TWO', 2],
    ['THREE', 3],
    ['FOUR', 4],
    ['FIVE', 5],
  ])('maps a carried v4 Review with starRating %s to rating %d', (starRating, rating) => {
    const review = {
      name: REVIEW,
      reviewer: { displayName: 'Zoé Müller' },
      starRating,
      comment: 'Très bien 👍 東京',
      createTime: '2025-06-03T09:14:58Z',
    };
    const [event] = normalize({ notificationType: 'NEW_REVIEW', review });
    expect(event?.draft).toEqual({
      platform: 'google-business',
      kind: 'review',
      externalId: REVIEW,
      text: 'Très bien 👍 東京',
      createdAt: '2025-06-03T09:14:58Z',
      author: { id: 'Zoé Müller', handle: '', name: 'Zoé Müller' },
      account: { id: LOC },
      rating,
    });
  });

  it('omits the rating when unspecified and hides anonymous reviewers', () => {
    const [event] = normalize({
      type: 'NEW_REVIEW',
      reviewName: REVIEW,
      review: { starRating: 'STAR_RATING_UNSPECIFIED', reviewer: { displayName: 'A Google User', isAnonymous: true } },
    });
    expect(event?.draft.rating).toBeUndefined();
    expect(event?.draft.author).toEqual({ id: 'anonymous', handle: '', name: '' });
  });

  it('maps UPDATED_REVIEW to edited and DELETED_REVIEW / REVIEW_DELETED to deleted, on the same engagement id', () => {
    expect(normalize({ type: 'UPDATED_REVIEW', reviewName: REVIEW })[0]).toMatchObject({
      change: 'edited',
      draft: { externalId: REVIEW },
    });
    expect(normalize({ type: 'DELETED_REVIEW', reviewName: REVIEW })[0]).toMatchObject({
      change: 'deleted',
      draft: { externalId: REVIEW },
    });
    expect(normalize({ type: 'REVIEW_DELETED', review: REVIEW })[0]).toMatchObject({
      change: 'deleted',
      draft: { externalId: REVIEW },
    });
  });

  it('reads the snake_case spellings of the notification and of the Pub/Sub message', () => {
    const [event] = normalizeJson(googleBusinessAdapter, {
      message: {
        data: Buffer.from(
          JSON.stringify({ notification_type: 'NEW_REVIEW', review_name: REVIEW, location_name: 'locations/7' }),
        ).toString('base64'),
        message_id: '1',
        publish_time: '2025-06-03T08:00:00Z',
      },
    });
    expect(event?.draft).toMatchObject({
      externalId: REVIEW,
      account: { id: 'locations/7' },
      createdAt: '2025-06-03T08:00:00Z',
    });
  });

  it('derives the location from the review name, and falls back to the accept time without publishTime', () => {
    const [event] = normalize({ type: 'NEW_REVIEW', review: REVIEW }, { publishTime: undefined });
    expect(event?.draft).toMatchObject({ account: { id: LOC }, createdAt: context.receivedAt });
  });

  it.each([
    'GOOGLE_UPDATE',
    'NEW_CUSTOMER_MEDIA',
    'NEW_QUESTION',
    'UPDATED_ANSWER',
    'VOICE_OF_MERCHANT_UPDATED',
    'DUPLICATE_LOCATION',
  ])('yields nothing for %s', (type) => {
    expect(normalize({ type, locationName: LOC })).toEqual([]);
  });

  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(googleBusinessAdapter, raw, pattern);
  const wrapped = (data: string) => JSON.stringify({ message: { data, messageId: '1' } });

  it('refuses bodies that are not a wrapped push, naming what was expected', () => {
    expect400('{', /not valid JSON.*Pub\/Sub push/);
    expect400(JSON.stringify({ type: 'NEW_REVIEW', reviewName: REVIEW }), /Pub\/Sub push.*body\.message/);
    expect400(JSON.stringify({ message: { messageId: '1' } }), /body\.message\.data is missing/);
  });

  it('refuses data that is not base64 of a JSON object, without quoting it', () => {
    expect400(wrapped('not base64!'), /body\.message\.data: is not valid base64/);
    expect400(
      wrapped(Buffer.from('private words').toString('base64')),
      /body\.message\.data: does not decode to a JSON object/,
    );
    expect400(wrapped(Buffer.from('[1]').toString('base64')), /does not decode to a JSON object/);
    expect400(wrapped(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64')), /decodes to invalid UTF-8/);
    const error = rejectionOf(() =>
      googleBusinessAdapter.normalize(Buffer.from(wrapped(Buffer.from('private words').toString('base64'))), context),
    );
    expect(error.message).not.toContain('private');
  });

  it('refuses a notification without a type, or a review notification without a review name', () => {
    expect400(JSON.stringify(push({ reviewName: REVIEW })), /body\.message\.data\.type is missing/);
    expect400(
      JSON.stringify(push({ type: 'NEW_REVIEW', locationName: LOC })),
      /body\.message\.data\.reviewName is missing/,
    );
    expect400(
      JSON.stringify(push({ type: 'NEW_REVIEW', review: { name: REVIEW, starRating: 'SIX' } })),
      /body\.message\.data\.review/,
    );
  });
});

describeSampleReplay('google-business', googleBusinessAdapter, 'query-token', await loadSamples('google-business'));
