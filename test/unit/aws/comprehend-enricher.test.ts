import {
  ComprehendClient,
  DetectDominantLanguageCommand,
  DetectPiiEntitiesCommand,
  DetectSentimentCommand,
} from '@aws-sdk/client-comprehend';
import { mockClient } from 'aws-sdk-client-mock';
import { enrich } from '#core/enrichment/enrich.js';
import { COMPREHEND_MAX_BYTES, ComprehendEnricher } from '#aws/comprehend-enricher.js';
import { truncateUtf8 } from '#core/shared/utf8.js';

const comprehend = mockClient(ComprehendClient);
const warnings: { message: string; data: Record<string, unknown> }[] = [];
const enricher = () =>
  new ComprehendEnricher(new ComprehendClient({}), { log: (message, data) => warnings.push({ message, data }) });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const text = 'Your app charged me twice, email me at jane@example.com';

beforeEach(() => {
  comprehend.reset();
  warnings.length = 0;
  comprehend.on(DetectDominantLanguageCommand).resolves({ Languages: [{ LanguageCode: 'en', Score: 0.99 }] });
  comprehend
    .on(DetectSentimentCommand)
    .resolves({ Sentiment: 'NEGATIVE', SentimentScore: { Positive: 0.02, Negative: 0.9, Neutral: 0.05, Mixed: 0.03 } });
  comprehend.on(DetectPiiEntitiesCommand).resolves({
    Entities: [
      { Type: 'EMAIL', Score: 0.99, BeginOffset: 38, EndOffset: 54 },
      { Type: 'NAME', Score: 0.9 },
    ],
  });
});

describe('Comprehend enricher', () => {
  it('maps language, sentiment and PII, keeping intents and keywords local', async () => {
    const out = await enricher().enrich({ text });
    const local = enrich({ text });
    expect(out).toMatchObject({
      language: 'en',
      sentiment: { label: 'negative', score: -0.88 },
      pii: { types: ['email'], count: 1 },
    });
    expect(out.intents).toEqual(local.intents);
    expect(out.keywords).toEqual(local.keywords);
    expect(comprehend.commandCalls(DetectSentimentCommand)[0]?.args[0].input).toEqual({
      Text: text,
      LanguageCode: 'en',
    });
    expect(warnings).toEqual([]);
  });

  it('reads MIXED as neutral', async () => {
    comprehend
      .on(DetectSentimentCommand)
      .resolves({ Sentiment: 'MIXED', SentimentScore: { Positive: 0.45, Negative: 0.4, Neutral: 0.05, Mixed: 0.1 } });
    expect((await enricher().enrich({ text: 'Love the design, hate the price' })).sentiment).toEqual({
      label: 'neutral',
      score: 0.05,
    });
  });

  it('falls back to the local sentiment when throttled, and logs without the text', async () => {
    comprehend.on(DetectSentimentCommand).rejects(throttled());
    const out = await enricher().enrich({ text });
    expect(out.sentiment).toEqual(enrich({ text }).sentiment);
    expect(out.pii).toEqual({ types: ['email'], count: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.data).toMatchObject({ error: 'ThrottlingException', throttled: true });
    expect(JSON.stringify(warnings)).not.toContain('jane@example.com');
  });

  it('gives the whole local enrichment when every call fails', async () => {
    comprehend
      .on(DetectDominantLanguageCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'InternalServerException' }));
    comprehend
      .on(DetectSentimentCommand)
      .rejects(Object.assign(new Error('slow'), { name: 'TooManyRequestsException' }));
    comprehend.on(DetectPiiEntitiesCommand).rejects(new Error('network down'));
    await expect(enricher().enrich({ text })).resolves.toEqual(enrich({ text }));
    expect(warnings.map((w) => w.data.error)).toEqual(['InternalServerException', 'TooManyRequestsException', 'Error']);
  });

  it('uses und below the language confidence, and skips PII for a language Comprehend does not support', async () => {
    comprehend.on(DetectDominantLanguageCommand).resolves({ Languages: [{ LanguageCode: 'fr', Score: 0.97 }] });
    comprehend
      .on(DetectSentimentCommand)
      .resolves({ Sentiment: 'POSITIVE', SentimentScore: { Positive: 0.9, Negative: 0.01 } });
    const fr = await enricher().enrich({ text: "J'adore cette application, merci !" });
    expect(fr).toMatchObject({ language: 'fr', sentiment: { label: 'positive' } });
    expect(comprehend.commandCalls(DetectPiiEntitiesCommand)).toHaveLength(0);

    comprehend.on(DetectDominantLanguageCommand).resolves({ Languages: [{ LanguageCode: 'en', Score: 0.3 }] });
    const unsure = await enricher().enrich({ text: 'ok lol' });
    expect(unsure.language).toBe('und');
    expect(comprehend.commandCalls(DetectSentimentCommand)).toHaveLength(1);
  });

  it("prefers the platform's language tag and keeps the region out of the published code", async () => {
    await enricher().enrich({ text, language: 'en-GB' });
    expect(comprehend.commandCalls(DetectDominantLanguageCommand)).toHaveLength(0);
    comprehend.on(DetectDominantLanguageCommand).resolves({ Languages: [{ LanguageCode: 'zh-TW', Score: 0.95 }] });
    await expect(enricher().enrich({ text: '這個應用程式很好用' })).resolves.toMatchObject({ language: 'zh' });
    expect(comprehend.commandCalls(DetectSentimentCommand).at(-1)?.args[0].input.LanguageCode).toBe('zh-TW');
  });

  it('sends at most 5,000 UTF-8 bytes, never cutting a character', async () => {
    const long = 'é€😀'.repeat(1_000); // 2 + 3 + 4 bytes each
    await enricher().enrich({ text: long });
    for (const call of comprehend.calls()) {
      const sent = (call.args[0].input as { Text: string }).Text;
      expect(Buffer.byteLength(sent, 'utf8')).toBeLessThanOrEqual(COMPREHEND_MAX_BYTES);
      expect(Buffer.byteLength(sent, 'utf8')).toBeGreaterThan(COMPREHEND_MAX_BYTES - 4);
      expect(sent).not.toContain('\uFFFD');
      expect(long.startsWith(sent)).toBe(true);
    }
    expect(truncateUtf8('abc', 5)).toBe('abc');
  });

  it('does not call Comprehend for an empty text', async () => {
    await expect(enricher().enrich({ text: '   ' })).resolves.toEqual(enrich({ text: '   ' }));
    expect(comprehend.calls()).toHaveLength(0);
  });
});
