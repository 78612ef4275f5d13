import { failureOutcome, rateLimitWaitMs } from '#core/replies/publishers/http.js';
import { PUBLISH_NOW } from '#test-support/publish-requests.js';

const at = (seconds: number) => String(Math.floor(PUBLISH_NOW.getTime() / 1000) + seconds);
const wait = (headers: Record<string, string>) => rateLimitWaitMs(new Headers(headers), PUBLISH_NOW);

describe('rateLimitWaitMs reads each platform’s rate-limit headers', () => {
  it('prefers Retry-After, in seconds or as an HTTP date', () => {
    expect(wait({ 'retry-after': '30', 'x-rate-limit-reset': at(900) })).toBe(30_000);
    expect(wait({ 'retry-after': new Date(PUBLISH_NOW.getTime() + 45_000).toUTCString() })).toBe(45_000);
  });

  it('reads X’s x-rate-limit-reset as a unix time', () => {
    expect(wait({ 'x-rate-limit-reset': at(600) })).toBe(600_000);
    expect(wait({ 'x-rate-limit-reset': at(-5) })).toBe(0);
  });

  it('reads Reddit’s x-ratelimit-reset as seconds from now', () => {
    expect(wait({ 'x-ratelimit-reset': '487' })).toBe(487_000);
    expect(wait({ 'x-ratelimit-reset': '2.5' })).toBe(2_500);
  });

  it('reads Mastodon’s X-RateLimit-Reset as an ISO 8601 time', () => {
    expect(wait({ 'X-RateLimit-Reset': '2026-03-02T10:05:00.000Z' })).toBe(300_000);
  });

  it('reads Bluesky’s RateLimit-Reset as a unix time', () => {
    expect(wait({ 'ratelimit-reset': at(120) })).toBe(120_000);
  });

  it('waits a minute when no header says, or a header is empty or unreadable', () => {
    expect(wait({})).toBe(60_000);
    expect(wait({ 'x-ratelimit-reset': '' })).toBe(60_000);
    expect(wait({ 'x-ratelimit-reset': 'soon' })).toBe(60_000);
    expect(wait({ 'retry-after': ' ', 'x-rate-limit-reset': '' })).toBe(60_000);
  });
});

describe('failureOutcome', () => {
  const context = { fetch, now: () => PUBLISH_NOW, signal: new AbortController().signal };
  const outcome = (status: number, idempotent: boolean, headers: Record<string, string> = {}) =>
    failureOutcome({ response: new Response('secret body', { status, headers }) }, idempotent, context, 'p');

  it('reads a 429 with the platform’s reset header as a wait', async () => {
    await expect(outcome(429, false, { 'x-rate-limit-reset': at(60) })).resolves.toEqual({
      kind: 'retry',
      reason: 'p rate-limited the reply (429)',
      retryAfterMs: 60_000,
    });
  });

  it('leaves a 5xx uncertain unless the platform dedupes, and refuses a 4xx', async () => {
    await expect(outcome(502, false)).resolves.toMatchObject({ kind: 'uncertain' });
    await expect(outcome(502, true)).resolves.toMatchObject({ kind: 'retry' });
    await expect(outcome(403, false)).resolves.toEqual({ kind: 'failed', reason: 'p refused the reply (403)' });
  });

  it('retries a request refused before anything was sent, and is uncertain about a timeout', async () => {
    await expect(
      failureOutcome({ error: 'refused', detail: 'ECONNREFUSED' }, false, context, 'p'),
    ).resolves.toMatchObject({
      kind: 'retry',
    });
    await expect(failureOutcome({ error: 'timeout', detail: 'x' }, false, context, 'p')).resolves.toEqual({
      kind: 'uncertain',
      reason: 'p did not answer in time',
    });
  });
});
