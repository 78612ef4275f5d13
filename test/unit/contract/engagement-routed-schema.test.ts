import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '#core/config/load-config.js';
import { buildEngagement } from '#core/lifecycle/build-engagement.js';
import { createRouter } from '#core/routing/router.js';
import { EngagementRoutedEventSchema, jsonSchemaText } from '#events/schemas/engagement-routed.js';
import { PUBLISHED_EVENT_SCHEMAS } from '#events/schemas/published.js';

const examplesDir = 'events/schemas/examples';

describe('published event contract', () => {
  it.each(Object.entries(PUBLISHED_EVENT_SCHEMAS))(
    'committed %s matches the code (run `npm run schemas` after a change)',
    (file, schema) => {
      expect(readFileSync(join('events/schemas', file), 'utf8')).toBe(jsonSchemaText(schema));
    },
  );

  it.each(readdirSync(examplesDir))('example %s is a valid Engagement Routed event', (file) => {
    const parsed = EngagementRoutedEventSchema.safeParse(JSON.parse(readFileSync(join(examplesDir, file), 'utf8')));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('accepts what the pipeline builds and refuses what breaks the contract', () => {
    const engagement = buildEngagement(
      {
        platform: 'x',
        kind: 'mention',
        externalId: '1800000000000000123',
        text: 'refund please',
        createdAt: '2026-11-25T09:15:00.000Z',
        author: { id: '42', handle: 'jdoe', name: 'J' },
      },
      '2026-11-25T09:15:01.000Z',
      createRouter(loadConfig('config/switchboard.yaml')),
    );
    const event = {
      version: '0',
      id: 'e',
      'detail-type': 'Engagement Routed',
      source: 'switchboard',
      account: '1',
      time: '2026-11-25T09:15:02Z',
      region: 'eu-west-1',
      resources: [],
      detail: engagement,
    };
    expect(EngagementRoutedEventSchema.safeParse(event).success).toBe(true);
    expect(
      EngagementRoutedEventSchema.safeParse({
        ...event,
        detail: { ...engagement, routing: { ...engagement.routing, departments: [] } },
      }).success,
    ).toBe(false);
    expect(EngagementRoutedEventSchema.safeParse({ ...event, detail: { ...engagement, kind: 'tweet' } }).success).toBe(
      false,
    );
    expect(
      EngagementRoutedEventSchema.safeParse({ ...event, detail: { ...engagement, externalId: 1800000000000000123 } })
        .success,
    ).toBe(false);
  });
});
