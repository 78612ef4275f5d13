import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { enrich } from '#core/enrichment/enrich.js';
import { localEnricher } from '#core/lifecycle/enrichers.js';
import { BedrockIntents, parseIntents, withBedrockIntents } from '#aws/bedrock-intents.js';

const bedrock = mockClient(BedrockRuntimeClient);
const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
const warnings: Record<string, unknown>[] = [];
const detector = () =>
  new BedrockIntents(new BedrockRuntimeClient({}), modelId, { log: (_m, data) => warnings.push(data) });
const answer = (text: string) => ({
  output: { message: { role: 'assistant' as const, content: [{ text }] } },
  stopReason: 'end_turn' as const,
});
const text = 'Is there a way to export my data? Call me on +44 20 7946 0958';

beforeEach(() => {
  bedrock.reset();
  warnings.length = 0;
});

describe('Bedrock intents', () => {
  it('takes the known intents of a JSON answer, with the PII redacted from the prompt', async () => {
    bedrock.on(ConverseCommand).resolves(answer('{"intents": ["feature_request", "question", "world_domination"]}'));
    await expect(detector().detect(text, ['other'])).resolves.toEqual(['question', 'feature_request']);
    const input = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(input?.modelId).toBe(modelId);
    expect(JSON.stringify(input)).not.toContain('7946');
    expect(JSON.stringify(input?.system)).toContain('JSON only');
  });

  it('keeps the local intents for a junk answer', async () => {
    bedrock.on(ConverseCommand).resolves(answer('Sure! The intents are question and praise.'));
    await expect(detector().detect(text, ['question'])).resolves.toEqual(['question']);
    expect(warnings[0]).toMatchObject({ modelId });
  });

  it('keeps the local intents when throttled or failing', async () => {
    bedrock
      .on(ConverseCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .rejectsOnce(new Error('boom'));
    await expect(detector().detect(text, ['question'])).resolves.toEqual(['question']);
    await expect(detector().detect(text, ['question'])).resolves.toEqual(['question']);
    expect(warnings.map((w) => w.error)).toEqual(['ThrottlingException', 'Error']);
  });

  it('parses strictly: spam is exclusive, other only alone, wrong shapes refused', () => {
    expect(parseIntents('{"intents":["praise","spam"]}')).toEqual(['spam']);
    expect(parseIntents('{"intents":["other","praise"]}')).toEqual(['praise']);
    expect(parseIntents('{"intents":["other"]}')).toEqual(['other']);
    expect(parseIntents('{"intents":[]}')).toBeUndefined();
    expect(parseIntents('{"intent":"praise"}')).toBeUndefined();
    expect(parseIntents('["praise"]')).toBeUndefined();
  });

  it('replaces only the intents of the base enrichment, and marks it read in the cloud', async () => {
    bedrock.on(ConverseCommand).resolves(answer('{"intents":["purchase_intent"]}'));
    const out = await withBedrockIntents(localEnricher, detector()).enrich({ text });
    const local = enrich({ text });
    expect(out).toEqual({ ...local, intents: ['purchase_intent'], details: { ...local.details, mode: 'cloud' } });
  });

  it('keeps the local answer and mode when Bedrock gives no usable answer', async () => {
    bedrock.on(ConverseCommand).resolves(answer('not json'));
    const out = await withBedrockIntents(localEnricher, detector()).enrich({ text });
    expect(out).toEqual(enrich({ text }));
  });
});
