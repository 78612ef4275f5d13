import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../lambdas/core/config/load-config.js';
import { adapterFor } from '../../../lambdas/core/platforms/registry.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import { simulate } from '../../../lambdas/core/simulate/simulate.js';

const router = createRouter(loadConfig('config/switchboard.yaml'));
const now = new Date('2026-11-25T12:00:00.000Z');

describe('simulate', () => {
  it('routes engagement drafts with the same enrichment as the process function', () => {
    const [result] = simulate([{ platform: 'x', text: 'Is the blue one in stock? pricing please' }], router, adapterFor, now);
    expect(result).toMatchObject({ engagement: { platform: 'x', kind: 'post', routing: { departments: ['sales'], rules: ['sales-buying-signals'] } } });
  });

  it('splits platform deliveries with their adapter, without needing a signature', () => {
    const sample = JSON.parse(readFileSync('events/x/two-tweets.json', 'utf8')) as unknown;
    const results = simulate([sample], router, adapterFor, now);
    expect(results).toHaveLength(2);
    expect(results.every((r) => 'engagement' in r && r.engagement.id.startsWith('x:'))).toBe(true);
  });

  it('names the problem with a bad input and carries on', () => {
    const results = simulate([{ platform: 'myspace', text: 'x' }, { platform: 'x', text: 42 }, { platform: 'x', text: 'ok' }], router, adapterFor, now);
    expect(results[0]).toEqual({ error: expect.stringContaining('"platform" must be one of'), input: 0 });
    expect(results[1]).toEqual({ error: expect.stringContaining('text'), input: 1 });
    expect(results[2]).toHaveProperty('engagement');
  });
});

describe('npx switchboard simulate', () => {
  it('prints one JSON line per engagement from a JSON Lines file and exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sim-'));
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, '{"platform":"generic","text":"my lawyer will call"}\n{"platform":"facebook","text":"lovely"}\n');
    const out = spawnSync(process.execPath, ['bin/switchboard.js', 'simulate', file], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { routing: { departments: string[] } });
    expect(lines.map((l) => l.routing.departments)).toEqual([['legal', 'communications'], ['communications']]);
  });

  it('exits non-zero with usage for a missing command', () => {
    const out = spawnSync(process.execPath, ['bin/switchboard.js'], { encoding: 'utf8' });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('Usage: switchboard simulate');
  });
});
