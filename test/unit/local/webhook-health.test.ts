import { WebhookHealthFromMetrics } from '#local/twin/webhook-health.js';

/** A metric line as Powertools prints it for the webhook function. */
const line = (platform: string, metric: 'WebhookAccepted' | 'WebhookRefused', at: number, refusal?: string) =>
  JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        { Namespace: 'Switchboard', Dimensions: [['service', 'platform']], Metrics: [{ Name: metric, Unit: 'Count' }] },
      ],
    },
    service: 'Switchboard-Webhook',
    platform,
    [metric]: 1,
    ...(refusal ? { refusal } : {}),
  });

describe("webhook connector health from the functions' metric lines (the twin)", () => {
  it('counts accepted deliveries and refusals per platform, and a delivery ends a run of refusals', () => {
    const health = new WebhookHealthFromMetrics();
    health.observe(line('facebook', 'WebhookAccepted', Date.UTC(2026, 11, 6, 10, 0, 0)));
    health.observe(line('facebook', 'WebhookRefused', Date.UTC(2026, 11, 6, 10, 0, 1), 'bad_signature'));
    health.observe(line('facebook', 'WebhookRefused', Date.UTC(2026, 11, 6, 10, 0, 2), 'stale_timestamp'));
    expect(health.of('facebook')).toEqual({
      accepted: 1,
      lastAcceptedAt: '2026-12-06T10:00:00.000Z',
      refusals: 2,
      consecutiveRefusals: 2,
      lastRefusalAt: '2026-12-06T10:00:02.000Z',
      lastRefusalCode: 'stale_timestamp',
    });
    health.observe(line('facebook', 'WebhookAccepted', Date.UTC(2026, 11, 6, 10, 0, 3)));
    expect(health.of('facebook')).toMatchObject({
      accepted: 2,
      consecutiveRefusals: 0,
      lastAcceptedAt: '2026-12-06T10:00:03.000Z',
    });
    expect(health.of('x')).toBeUndefined();
  });

  it('ignores every other line: logs, broken JSON, metrics without a platform', () => {
    const health = new WebhookHealthFromMetrics();
    for (const l of [
      '{"level":"INFO","message":"webhook accepted","platform":"x"}',
      '{"_aws": nope',
      JSON.stringify({ _aws: { CloudWatchMetrics: [] }, WebhookAccepted: 1 }),
      'plain text',
    ])
      health.observe(l);
    expect(health.of('x')).toBeUndefined();
    // a poller's metric names a platform but is no webhook figure
    health.observe(
      JSON.stringify({
        _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: 'Switchboard', Metrics: [{ Name: 'PollSucceeded' }] }] },
        platform: 'rss',
        PollSucceeded: 1,
      }),
    );
    expect(health.of('rss')).toBeUndefined();
  });
});
