import { readdirSync, readFileSync } from 'node:fs';
import { enrich } from '#core/enrichment/enrich.js';

/**
 * What the shipped model reads in texts written for these tests, in every supported language
 * and in the ways people really write (sarcasm, no question mark, slang, emoji). None of these
 * texts is in the corpus the model was trained, calibrated or measured on (checked below): the
 * model must generalise to them, not remember them.
 */
const cases: { text: string; intent: string; sentiment?: string; language: string }[] = [
  {
    text: "oh fantastic, my 'express' delivery is on day 12 now. truly express 👏",
    intent: 'complaint',
    sentiment: 'negative',
    language: 'en',
  },
  { text: 'how do i change the email on my account', intent: 'question', sentiment: 'neutral', language: 'en' },
  {
    text: 'not bad at all, the new buds actually fixed my commute',
    intent: 'praise',
    sentiment: 'positive',
    language: 'en',
  },
  {
    text: 'the charger got so hot it melted the plug, my kid was right next to it',
    intent: 'safety_risk',
    sentiment: 'negative',
    language: 'en',
  },
  { text: '🔥 earn $800/day from your phone, DM me for the secret 🔥', intent: 'spam', language: 'en' },
  {
    text: 'llevo dos semanas sin internet y nadie me llama, un servicio de diez',
    intent: 'complaint',
    sentiment: 'negative',
    language: 'es',
  },
  { text: 'est ce que vous livrez en belgique', intent: 'question', language: 'fr' },
  {
    text: 'die app stürzt jedes mal ab wenn ich bezahlen will',
    intent: 'bug_report',
    sentiment: 'negative',
    language: 'de',
  },
  { text: 'vcs estão contratando pra loja de curitiba', intent: 'job_inquiry', language: 'pt' },
  { text: 'grazie mille, assistenza velocissima e gentile', intent: 'praise', sentiment: 'positive', language: 'it' },
  {
    text: 'mijn pakket is al drie weken onderweg, echt top service 🙃',
    intent: 'complaint',
    sentiment: 'negative',
    language: 'nl',
  },
];

describe('reading unseen engagements', () => {
  it.each(cases.map((c) => [c.text, c] as const))('%s', (_text, c) => {
    const e = enrich({ text: c.text });
    expect(e.intents).toContain(c.intent);
    if (c.sentiment) expect(e.sentiment.label).toBe(c.sentiment);
    expect(e.language).toBe(c.language);
    expect(e.details.confidence.intents[c.intent as keyof typeof e.details.confidence.intents]).toBeGreaterThan(0);
  });

  it('uses texts that are not in the corpus', () => {
    const normalize = (t: string) => t.trim().toLowerCase().replace(/\s+/g, ' ');
    const corpus = new Set(
      readdirSync('corpus/enrichment')
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => readFileSync(`corpus/enrichment/${f}`, 'utf8').split('\n'))
        .filter((l) => l.trim())
        .map((l) => normalize((JSON.parse(l) as { text: string }).text)),
    );
    expect(corpus.size).toBeGreaterThan(1000);
    expect(cases.filter((c) => corpus.has(normalize(c.text))).map((c) => c.text)).toEqual([]);
  });
});
