import type { EnrichInput, Enrichment } from '#core/enrichment/enrich.js';
import { isUnsure, withSecondOpinion } from '#core/lifecycle/enrichers.js';
import type { Enricher } from '#core/lifecycle/ports/enricher.js';

const answer = (
  sentimentConfidence: number,
  intentConfidence: number,
  mode: Enrichment['details']['mode'] = 'local',
): Enrichment => ({
  language: 'en',
  sentiment: { label: 'negative', score: -0.5 },
  intents: ['complaint'],
  keywords: [],
  details: {
    model: 'm',
    version: '1',
    mode,
    confidence: { sentiment: sentimentConfidence, intents: { complaint: intentConfidence, praise: 0.9 } },
  },
});

/** A cloud enricher that records what it was asked. */
function cloud(result: Enrichment): Enricher & { asked: string[] } {
  const asked: string[] = [];
  return { asked, enrich: (draft: EnrichInput) => (asked.push(draft.text), Promise.resolve(result)) };
}

describe('the hybrid mode (a cloud second opinion below a confidence)', () => {
  it('keeps the local answer when the model is sure, without calling the cloud', async () => {
    const c = cloud(answer(0.99, 0.99, 'cloud'));
    const out = await withSecondOpinion(c, 0.6, () => answer(0.9, 0.8)).enrich({ text: 'sure' });
    expect(c.asked).toEqual([]);
    expect(out.details.mode).toBe('local');
  });

  it('asks the cloud when the sentiment or the assigned intent is unsure, and marks the answer hybrid', async () => {
    for (const local of [answer(0.4, 0.9), answer(0.9, 0.5)]) {
      const c = cloud({ ...answer(0.99, 0.99, 'cloud'), intents: ['bug_report'] });
      const out = await withSecondOpinion(c, 0.6, () => local).enrich({ text: 'unsure' });
      expect(c.asked).toEqual(['unsure']);
      expect(out).toMatchObject({ intents: ['bug_report'], details: { mode: 'hybrid' } });
    }
  });

  it('stays local when the cloud could not answer (its own fallback)', async () => {
    const c = cloud(answer(0.4, 0.5, 'local'));
    const out = await withSecondOpinion(c, 0.6, () => answer(0.4, 0.5)).enrich({ text: 'x' });
    expect(out.details.mode).toBe('local');
  });

  it('judges an intent by the confidence of the intents assigned, not of others', () => {
    expect(isUnsure(answer(0.9, 0.5), 0.6)).toBe(true);
    expect(isUnsure(answer(0.9, 0.7), 0.6)).toBe(false);
  });
});
