import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, until } from '#test-support/browser.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamodb, engage, type RoutedMessage, receiveUntil, twin } from './twin-client.js';

/**
 * Spikes and crisis mode against the twin (its config: global-setup.ts). The spike entry
 * `it-storm` counts the keyword `itstorm` in a 5-minute window (at least 5, sensitivity 3, and
 * it starts crisis mode); the playbook sends engagements with `itstorm` also to `it-crisis`.
 * The twin runs its schedules 60 times faster: detection every second.
 */
const { consoleUrl } = JSON.parse(readFileSync(join(TEST_STATE_DIR, 'local.json'), 'utf8')) as { consoleUrl: string };
const cli = (...args: string[]) => {
  const out = spawnSync(process.execPath, ['bin/switchboard.js', 'crisis', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      SWITCHBOARD_STATE_DIR: TEST_STATE_DIR,
      SWITCHBOARD_CONFIG: join(TEST_STATE_DIR, 'switchboard.yaml'),
      SWITCHBOARD_ACTOR: 'it-operator',
    },
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
};
const status = () => JSON.parse(cli('status', '--json').stdout) as Record<string, unknown>;
const of =
  (detailType: string, more: (m: RoutedMessage) => boolean = () => true) =>
  (m: RoutedMessage) =>
    m['detail-type'] === detailType && more(m);
const detail = (m: RoutedMessage | undefined) => (m?.detail ?? {}) as unknown as Record<string, unknown>;

afterAll(() => {
  // Never leave the shared twin in crisis mode for the tests after these.
  if (status().active) cli('end', '--reason', 'integration tests done');
});

describe('spikes and crisis mode', () => {
  it('a burst on one keyword raises "Spike Detected" and starts a crisis whose playbook routes to the crisis team; crisis end restores routing', async () => {
    if (status().active) expect(cli('end').status).toBe(0);

    // The burst: six negative engagements with the keyword within seconds.
    for (let i = 0; i < 6; i++) await engage(`itstorm: battery ${i} swelled overnight, this is dangerous!!`);

    const [spike] = await receiveUntil('it-crisis', of('Spike Detected'), 60_000);
    expect(detail(spike)).toMatchObject({ key: 'keyword:itstorm', spike: 'it-storm', window: 'PT5M' });
    expect(detail(spike).observed).toBeGreaterThanOrEqual(5);
    expect(detail(spike).score).toBeGreaterThanOrEqual(3);
    expect(detail(spike).expected).toBeLessThan(detail(spike).observed as number);

    const [started] = await receiveUntil('it-crisis', of('Crisis Started'), 30_000);
    const crisisId = detail(started).crisisId;
    expect(detail(started).cause).toMatchObject({ by: 'spike', spike: 'it-storm', key: 'keyword:itstorm' });
    expect(status()).toMatchObject({ active: true, crisisId, cause: { by: 'spike', spike: 'it-storm' } });

    // The console shows both: the crisis banner (on every page) and the spike.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${consoleUrl}crisis.html`);
      const banner = page.locator('#crisis-banner');
      await until('the crisis banner', () => banner.isVisible());
      expect(await banner.textContent()).toContain('it-storm');
      await until(
        'the spike listed',
        async () => (await page.locator('#spikes tbody').getByText('it-storm').count()) > 0,
      );
      await page.goto(consoleUrl);
      await until('the banner on the live feed too', () => page.locator('#crisis-banner').isVisible());
    } finally {
      await browser.close();
    }

    // The next matching engagement also goes to the crisis team, at urgent, marked as the crisis's.
    const during = await engage('itstorm still going, my battery is hot');
    const [routed] = await receiveUntil(
      'it-crisis',
      of('Engagement Routed', (m) => m.detail.id === during),
      30_000,
    );
    expect(routed?.detail.routing).toMatchObject({ priority: 'urgent', crisis: crisisId });
    expect(routed?.detail.routing.rules).toContain('crisis');
    expect(routed?.detail.routing.departments).toContain('it-crisis');

    // Ended by hand: the next matching engagement is routed as before, and the spike (in its
    // cooldown) does not start it again although the burst is still in the window.
    const ended = cli('end', '--reason', 'handled');
    expect(ended.status).toBe(0);
    const [endedEvent] = await receiveUntil('it-crisis', of('Crisis Ended'), 30_000);
    expect(detail(endedEvent)).toMatchObject({ crisisId, by: 'manual' });
    const after = await engage('itstorm one more, battery');
    const [normal] = await receiveUntil('communications', (m) => m.detail.id === after, 30_000);
    expect(normal?.detail.routing.departments).not.toContain('it-crisis');
    expect(normal?.detail.routing.rules).not.toContain('crisis');
    expect(normal?.detail.routing).not.toHaveProperty('crisis');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(status()).toMatchObject({ active: false, last: { crisisId, endedBy: 'manual' } });
  });

  it('starts and ends crisis mode by hand, refusing a second start and an end with none on', async () => {
    if (status().active) expect(cli('end').status).toBe(0);
    const dry = cli('start', '--reason', 'rehearsal', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('also go to it-crisis, at urgent priority');
    expect(status().active).toBe(false);

    const started = cli('start', '--reason', 'press storm about the recall');
    expect(started.status).toBe(0);
    expect(status()).toMatchObject({
      active: true,
      cause: { by: 'manual', reason: 'press storm about the recall', actor: 'it-operator' },
    });
    expect(cli('start', '--reason', 'again').status).toBe(1);
    expect(cli('end').status).toBe(0);
    expect(cli('end').status).toBe(1);
    expect(cli('start').status).toBe(2);

    // Every change is in the audit trail: the crisis partition's events, chained.
    const { Items = [] } = await dynamodb.send(
      new QueryCommand({
        TableName: twin.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
        ExpressionAttributeValues: { ':pk': { S: 'ENG#switchboard:crisis' }, ':event': { S: 'EVENT#' } },
        ConsistentRead: true,
      }),
    );
    const events = Items.map(
      (i) => unmarshall(i) as { event: { detailType: string; detail: Record<string, unknown> }; chain?: unknown },
    );
    const manual = events.filter(
      (e) => (e.event.detail.cause as { reason?: string } | undefined)?.reason === 'press storm about the recall',
    );
    expect(manual).toHaveLength(1);
    expect(events.filter((e) => e.event.detailType === 'Crisis Ended').length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.chain)).toBe(true);
  });
});
