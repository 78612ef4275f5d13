import { readFileSync } from 'node:fs';
import { loadConfig } from '#core/config/load-config.js';
import { adapterFor } from '#core/platforms/registry.js';
import { createRouter } from '#core/routing/router.js';
import { simulate } from '#core/simulate/simulate.js';

const router = createRouter(loadConfig('config/switchboard.yaml'));
const now = new Date('2026-11-25T12:00:00.000Z');

describe('simulate', () => {
  it('routes engagement drafts with the same enrichment as the process function', () => {
    const [result] = simulate(
      [{ platform: 'x', text: 'Is the blue one in stock? pricing please' }],
      router,
      adapterFor,
      now,
    );
    expect(result).toMatchObject({
      engagement: { platform: 'x', kind: 'post', routing: { departments: ['sales'], rules: ['sales-buying-signals'] } },
    });
  });

  it('splits platform deliveries with their adapter, without needing a signature', () => {
    const sample = JSON.parse(readFileSync('events/x/two-tweets.json', 'utf8')) as unknown;
    const results = simulate([sample], router, adapterFor, now);
    expect(results).toHaveLength(2);
    expect(results.every((r) => 'engagement' in r && r.engagement.id.startsWith('x:'))).toBe(true);
  });

  it('names the problem with a bad input and carries on', () => {
    const results = simulate(
      [
        { platform: 'myspace', text: 'x' },
        { platform: 'x', text: 42 },
        { platform: 'x', text: 'ok' },
      ],
      router,
      adapterFor,
      now,
    );
    expect(results[0]).toEqual({ error: expect.stringContaining('"platform" must be one of'), input: 0 });
    expect(results[1]).toEqual({ error: expect.stringContaining('text'), input: 1 });
    expect(results[2]).toHaveProperty('engagement');
  });
});
