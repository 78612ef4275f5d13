import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { trustpilotAdapter } from '#core/platforms/trustpilot.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  rejectionOf,
} from '#test-support/webhook-requests.js';
import { describeSampleReplay, loadSamples } from './sample-replay.js';

const secret = { signingSecret: 'test-trustpilot-token' };

const review = (overrides: Record<string, unknown> = {}) => ({
  id: '65f0c0ffee0000000000abcd',
  language: 'en',
  title: 'Slow delivery',
  text: 'Took three weeks.',
  referenceId: 'ORDER-991',
  stars: 2,
  createdAt: '2025-06-03T09:15:00.000Z',
  isVerified: true,
  locationId: null,
  link: 'https://api.trustpilot.com/v1/reviews/65f0c0ffee0000000000abcd',
  consumer: {
    id: '65f0c0ffee0000000000ef01',
    name: 'Sam L.',
    link: 'https://api.trustpilot.com/v1/consumers/65f0c0ffee0000000000ef01',
  },
  tags: [{ group: 'Generic', value: 'vip' }],
  ...overrides,
});
const event = (eventName: string, eventData: unknown) => ({ eventName, version: '1', eventData });
const normalize = (...events: unknown[]) => normalizeJson(trustpilotAdapter, { events });

const request = (query: Record<string, string>): WebhookRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  query,
  rawBody: Buffer.from(JSON.stringify({ events: [event('service-review-created', review())] })),
});
const verify = (r: WebhookRequest) => () => trustpilotAdapter.verify(r, secret, now);

describe('Trustpilot token', () => {
  it('has no handshake', () => {
    expect(trustpilotAdapter.handshake).toBeUndefined();
  });

  it('accepts the subscription URL ?token= equal to signingSecret', () => {
    expect(verify(request({ token: secret.signingSecret }))).not.toThrow();
  });

  it('refuses a missing token with 401 and a wrong one with 403', () => {
    expect(rejectionOf(verify(request({})))).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(rejectionOf(verify(request({ token: 'test-trustpilot-tokem' })))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    expect(rejectionOf(verify(request({ signature: secret.signingSecret })))).toMatchObject({ statusCode: 401 });
  });
});

describe('Trustpilot normalize', () => {
  it('maps service-review-created to a review with rating, title and text', () => {
    const events = normalize(event('service-review-created', review()));
    expect(events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'trustpilot',
          kind: 'review',
          externalId: '65f0c0ffee0000000000abcd',
          url: 'https://www.trustpilot.com/reviews/65f0c0ffee0000000000abcd',
          text: 'Slow delivery\n\nTook three weeks.',
          createdAt: '2025-06-03T09:15:00.000Z',
          author: { id: '65f0c0ffee0000000000ef01', handle: '', name: 'Sam L.' },
          language: 'en',
          rating: 2,
        },
      },
    ]);
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
  });

  it('splits every event of a delivery, in order, skipping the ones it does not map', () => {
    const events = normalize(
      event(
        'service-review-created',
        review({
          id: 'a1',
          title: 'Fantastisk 😍',
          text: 'Århus ありがとう',
          language: 'da',
          locationId: 'loc-1',
          stars: 5,
        }),
      ),
      event('product-review-created', { id: 'p1', stars: 5 }),
      event('service-review-created', review({ id: 'a2', title: null, text: 'Only text' })),
      event('service-review-updated', review({ id: 'a1', stars: 4 })),
      event('service-review-deleted', { id: 'a2' }),
    );
    expect(events.map((e) => [e.change, e.draft.externalId])).toEqual([
      ['created', 'a1'],
      ['created', 'a2'],
      ['edited', 'a1'],
      ['deleted', 'a2'],
    ]);
    expect(events[0]?.draft).toMatchObject({
      text: 'Fantastisk 😍\n\nÅrhus ありがとう',
      language: 'da',
      account: { id: 'loc-1' },
      rating: 5,
    });
    expect(events[1]?.draft.text).toBe('Only text');
  });

  it('reads a deletion carrying only the id', () => {
    expect(normalize(event('service-review-deleted', { id: 'a2' }))).toEqual([
      {
        change: 'deleted',
        draft: {
          platform: 'trustpilot',
          kind: 'review',
          externalId: 'a2',
          url: 'https://www.trustpilot.com/reviews/a2',
          text: '',
          createdAt: context.receivedAt,
          author: { id: 'unknown', handle: '', name: '' },
        },
      },
    ]);
  });

  it('yields nothing for an empty batch and for events it does not know', () => {
    expect(normalize()).toEqual([]);
    expect(normalize(event('product-review-created', {}), event('invitation-sent', 'x'))).toEqual([]);
  });

  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(trustpilotAdapter, raw, pattern);

  it('refuses bodies that are not a Trustpilot delivery, naming the failing event and field', () => {
    expect400('{', /not valid JSON.*Trustpilot webhook delivery/);
    expect400(JSON.stringify({ eventName: 'service-review-created' }), /body\.events/);
    expect400(
      JSON.stringify({
        events: [event('service-review-created', review()), event('service-review-created', review({ stars: 6 }))],
      }),
      /body\.events\[1\]\.eventData\.stars/,
    );
    expect400(
      JSON.stringify({ events: [event('service-review-created', review({ id: undefined }))] }),
      /body\.events\[0\]\.eventData\.id/,
    );
    expect400(
      JSON.stringify({ events: [event('service-review-created', review({ createdAt: 'yesterday' }))] }),
      /eventData\.createdAt/,
    );
  });

  it('never quotes the body in a refusal', () => {
    const error = rejectionOf(() =>
      trustpilotAdapter.normalize(
        Buffer.from(JSON.stringify({ events: [event('service-review-created', review({ stars: 'private words' }))] })),
        context,
      ),
    );
    expect(error.message).not.toContain('private');
  });
});

describeSampleReplay('trustpilot', trustpilotAdapter, 'query-token', await loadSamples('trustpilot'));
