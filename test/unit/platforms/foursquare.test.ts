import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { foursquareAdapter } from '#core/platforms/foursquare.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';
import { sampleBody } from '#events/sign-sample.js';
import { localSecrets } from '#test-support/local-secrets.js';
import { describeSampleReplay, loadSamples } from './sample-replay.js';

const secret = { pushSecret: 'test-push-secret' };
const VENUE = { id: '4b5e7f9af964a520d39529e3', name: 'ACME Flagship Store' };

/** Form-encoded push: object values become JSON strings, as Foursquare posts them. */
const form = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');

const checkin = (overrides: Record<string, unknown> = {}) => ({
  id: '5ff1a2b3c4d5e6f708192a3b',
  createdAt: 1748942100,
  type: 'checkin',
  shout: 'Picking up my new kettle!',
  timeZoneOffset: 120,
  venue: VENUE,
  user: { id: '123456789', firstName: 'Sam', lastName: 'Lee' },
  ...overrides,
});

const verify = (r: WebhookRequest) => () => foursquareAdapter.verify(r, secret, now);
const normalizeForm = (params: Record<string, unknown>) =>
  foursquareAdapter.normalize(Buffer.from(form(params)), context);

describe('Foursquare push secret', () => {
  it('has no handshake', () => {
    expect(foursquareAdapter.handshake).toBeUndefined();
  });

  it('accepts the secret parameter of a form-encoded or a JSON push', () => {
    expect(verify(postRequest(form({ checkin: checkin(), secret: secret.pushSecret }), {}))).not.toThrow();
    expect(verify(postRequest(JSON.stringify({ checkin: checkin(), secret: secret.pushSecret }), {}))).not.toThrow();
  });

  it.each([
    ['no secret parameter', form({ checkin: checkin() })],
    ['an empty secret', form({ checkin: checkin(), secret: '' })],
    ['a non-string secret in JSON', JSON.stringify({ checkin: checkin(), secret: 12345 })],
    ['an unreadable body', '{"secret": "test-push-secret"'],
    ['a bad form encoding', `secret=${secret.pushSecret}&checkin=%ZZ`],
  ])('refuses %s with 401 naming the secret parameter', (_, body) => {
    const error = rejectionOf(verify(postRequest(body, {})));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('secret parameter');
  });

  it('does not take the secret from the query', () => {
    const request = { ...postRequest(form({ checkin: checkin() }), {}), query: { secret: secret.pushSecret } };
    expect(rejectionOf(verify(request))).toMatchObject({ statusCode: 401 });
  });

  it.each(['wrong', `${secret.pushSecret} `, secret.pushSecret.toUpperCase()])(
    'refuses the wrong secret %p with 403 without repeating it',
    (value) => {
      const error = rejectionOf(verify(postRequest(form({ checkin: checkin(), secret: value }), {})));
      expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
      expect(error.message).not.toContain(value.trim() || '\u0000');
    },
  );
});

describe('Foursquare normalize', () => {
  it('maps a Venue Push check-in to check_in at the venue', () => {
    const events = normalizeForm({ checkin: checkin(), secret: 's' });
    expect(events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'foursquare',
          kind: 'check_in',
          externalId: 'checkin:5ff1a2b3c4d5e6f708192a3b',
          text: 'Picking up my new kettle!',
          createdAt: '2025-06-03T09:15:00.000Z',
          author: { id: '123456789', handle: '', name: 'Sam Lee' },
          account: { id: VENUE.id },
          thread: { conversationId: VENUE.id },
        },
      },
    ]);
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
  });

  it('reads a JSON push the same way, and tips as comments with their canonical URL', () => {
    const tip = {
      id: 'tip1',
      createdAt: 1748942200,
      text: 'Le café ☕️ — 東京',
      canonicalUrl: 'https://foursquare.com/item/tip1',
      venue: VENUE,
      user: { id: '22', firstName: 'Zoé' },
    };
    const [event] = normalizeJson(foursquareAdapter, { tip, secret: 's' });
    expect(event?.draft).toMatchObject({
      kind: 'comment',
      externalId: 'tip:tip1',
      text: 'Le café ☕️ — 東京',
      url: 'https://foursquare.com/item/tip1',
      author: { id: '22', name: 'Zoé' },
    });
    const [bad] = normalizeJson(foursquareAdapter, { tip: { ...tip, canonicalUrl: 'javascript:alert(1)' } });
    expect(bad?.draft.url).toBeUndefined();
  });

  it('takes the author from the User Push user parameter when the check-in has none', () => {
    const [event] = normalizeForm({
      checkin: checkin({ user: undefined, shout: undefined }),
      user: { id: '998877665', firstName: 'Jo', lastName: 'M' },
    });
    expect(event?.draft).toMatchObject({ text: '', author: { id: '998877665', name: 'Jo M' } });
    const [nobody] = normalizeForm({ checkin: checkin({ user: undefined, venue: undefined, createdAt: undefined }) });
    expect(nobody?.draft).toEqual({
      platform: 'foursquare',
      kind: 'check_in',
      externalId: 'checkin:5ff1a2b3c4d5e6f708192a3b',
      text: 'Picking up my new kettle!',
      createdAt: context.receivedAt,
      author: { id: 'unknown', handle: '', name: '' },
    });
  });

  it('drops the authorised account’s own activity (relationship "self")', () => {
    expect(normalizeForm({ checkin: checkin({ user: { id: '1', relationship: 'self' } }) })).toEqual([]);
    expect(normalizeForm({ checkin: checkin({ user: undefined }), user: { id: '1', relationship: 'self' } })).toEqual(
      [],
    );
    expect(normalizeForm({ checkin: checkin({ user: { id: '2', relationship: 'friend' } }) })).toHaveLength(1);
  });

  it('maps photos to posts and likes to reactions, composing an id for a like without one', () => {
    expect(normalizeForm({ photo: { id: 'ph1', venue: VENUE, user: { id: '5' } } })[0]?.draft).toMatchObject({
      kind: 'post',
      externalId: 'photo:ph1',
      text: '',
    });
    expect(normalizeForm({ like: { venue: VENUE, user: { id: '5' } } })[0]?.draft).toMatchObject({
      kind: 'reaction',
      externalId: `like:${VENUE.id}:5`,
    });
    expect(normalizeForm({ like: { id: 'lk1', user: { id: '5' } } })[0]?.draft.externalId).toBe('like:lk1');
  });

  it('reads every content parameter of a push, and yields nothing for a push without one', () => {
    const events = normalizeForm({ tip: { id: 't' }, checkin: checkin() });
    expect(events.map((e) => e.draft.externalId)).toEqual(['checkin:5ff1a2b3c4d5e6f708192a3b', 'tip:t']);
    expect(normalizeForm({ secret: 's' })).toEqual([]);
  });

  it('keeps numeric ids beyond 2^53 exact inside form JSON strings', () => {
    const body = `checkin=${encodeURIComponent('{"id":"c1","user":{"id":12345678901234567890}}')}`;
    expect(foursquareAdapter.normalize(Buffer.from(body), context)[0]?.draft.author.id).toBe('12345678901234567890');
  });

  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(foursquareAdapter, raw, pattern);

  it('refuses pushes it cannot read, naming the parameter and never quoting it', () => {
    expect400(`checkin=${encodeURIComponent('{"id": private')}`, /body\.checkin: is not valid JSON/);
    expect400(form({ checkin: { shout: 'no id' } }), /body\.checkin\.id is missing/);
    expect400(form({ like: { venue: VENUE } }), /body\.like\.id is missing/);
    expect400(form({ tip: { id: 't', createdAt: 'yesterday' } }), /body\.tip\.createdAt/);
    expect400(form({ checkin: checkin(), user: { firstName: 'x' } }), /body\.user\.id/);
    expect400('{"checkin": {"id": "c", "user": {"id": 12345678901234567890}}}', /body\.checkin\.user\.id.*2\^53/);
    const error = rejectionOf(() =>
      foursquareAdapter.normalize(Buffer.from(`checkin=${encodeURIComponent('{"id": private')}`), context),
    );
    expect(error.message).not.toContain('private');
  });
});

const samples = await loadSamples('foursquare');

describe('Foursquare redaction (the push secret is never queued)', () => {
  const redact = (body: string | Buffer) =>
    foursquareAdapter.redact!(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  const events = (body: Buffer) => foursquareAdapter.normalize(body, context);
  const PUSH_SECRET = 'Sup3r-Push-S3cret';

  /** The redacted body no longer holds the secret, in any spelling, and normalizes to the same events. */
  function expectRedacted(body: string | Buffer, secretValue = PUSH_SECRET): Buffer {
    const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const redacted = redact(raw);
    expect(redacted.includes(secretValue)).toBe(false);
    expect(redacted.includes(encodeURIComponent(secretValue))).toBe(false);
    expect(events(redacted)).toEqual(events(raw));
    return redacted;
  }

  it('is applied by the adapter', () => {
    expect(typeof foursquareAdapter.redact).toBe('function');
  });

  it.each(samples)(
    'removes the local push secret from events/foursquare/$file, which normalizes the same',
    ({ sample }) => {
      const secretValue = (localSecrets.foursquare as Record<string, string>).pushSecret!;
      const raw = sampleBody(sample);
      expect(raw.includes(secretValue)).toBe(true);
      const redacted = expectRedacted(raw, secretValue);
      expect(redacted.toString('utf8')).not.toMatch(/(^|&)secret=/);
      // What is queued no longer authenticates: the secret really is gone.
      expect(rejectionOf(verify(postRequest(redacted, {})))).toMatchObject({ statusCode: 401 });
    },
  );

  it('drops only the secret pair of a form body, keeping every other pair byte for byte', () => {
    const rest = form({ checkin: checkin(), user: { id: '998877665', firstName: 'Jo' } });
    expect(expectRedacted(`${rest}&secret=${PUSH_SECRET}`).toString()).toBe(rest);
    expect(expectRedacted(`secret=${PUSH_SECRET}&${rest}`).toString()).toBe(rest);
    const [checkinPair, userPair] = rest.split('&');
    expect(expectRedacted(`${checkinPair}&secret=${PUSH_SECRET}&${userPair}`).toString()).toBe(rest);
  });

  it('drops every spelling and repetition of the secret parameter in a form body', () => {
    const rest = form({ checkin: checkin() });
    expect(expectRedacted(`secre%74=${PUSH_SECRET}&${rest}&secret=other-${PUSH_SECRET}`).toString()).toBe(rest);
    expect(
      expectRedacted(`${rest}&secret=${encodeURIComponent(`${PUSH_SECRET} +/&=`)}`, `${PUSH_SECRET} +/&=`).toString(),
    ).toBe(rest);
    expect(expectRedacted(`${rest}&secret`, 'secret').toString()).toBe(rest);
  });

  it('removes the secret key of a JSON push and keeps what normalize reads', () => {
    const body = `  {"secret": "${PUSH_SECRET}", "tip": {"id": "tip1", "text": "Le café ☕️", "venue": {"id": "v1"}, "user": {"id": "22"}}, "__proto__": {"x": 1}}`;
    const redacted = expectRedacted(body);
    expect(JSON.parse(redacted.toString())).toEqual(
      JSON.parse(
        '{"tip": {"id": "tip1", "text": "Le café ☕️", "venue": {"id": "v1"}, "user": {"id": "22"}}, "__proto__": {"x": 1}}',
      ),
    );
    expect(
      expectRedacted(`{"secret":"a","checkin":${JSON.stringify(checkin())},"secret":"${PUSH_SECRET}"}`).toString(),
    ).not.toContain('"secret"');
  });

  it('keeps ids beyond 2^53 in form JSON strings exact', () => {
    const body = `checkin=${encodeURIComponent('{"id":"c1","user":{"id":12345678901234567890}}')}&secret=${PUSH_SECRET}`;
    const redacted = expectRedacted(body);
    expect(events(redacted)[0]?.draft.author.id).toBe('12345678901234567890');
  });

  it('returns a body without a secret as it is', () => {
    const body = Buffer.from(form({ checkin: checkin() }));
    expect(redact(body)).toBe(body);
    const json = Buffer.from(JSON.stringify({ checkin: checkin() }));
    expect(redact(json)).toBe(json);
  });

  it('refuses a body it cannot read with 400 rather than passing the secret on', () => {
    expect(rejectionOf(() => redact(`secret=${PUSH_SECRET}&checkin=%ZZ`))).toMatchObject({
      statusCode: 400,
      code: 'malformed_body',
    });
    expect(rejectionOf(() => redact(`{"secret": "${PUSH_SECRET}"`))).toMatchObject({
      statusCode: 400,
      code: 'malformed_body',
    });
  });
});

describeSampleReplay('foursquare', foursquareAdapter, 'body-secret', samples);
