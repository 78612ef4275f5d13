import { BedrockRuntimeClient, ConverseCommand, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockDraftWriter, DraftAnswerError, parseDrafts } from '#aws/bedrock-drafts.js';

const bedrock = mockClient(BedrockRuntimeClient);
const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
const writer = () => new BedrockDraftWriter(new BedrockRuntimeClient({}), modelId);
const answer = (text: string) => ({
  output: { message: { role: 'assistant' as const, content: [{ text }] } },
  stopReason: 'end_turn' as const,
});
const prompt = { system: 'Write replies.', user: '<engagement>\nhelp\n</engagement>', count: 2 };

beforeEach(() => bedrock.reset());

describe('Bedrock drafts', () => {
  it('sends the prompt through Converse and takes the drafts of a JSON answer', async () => {
    bedrock.on(ConverseCommand).resolves(answer('{"drafts": ["Sorry! DM us?", "  ", "On it."]}'));
    await expect(writer().write(prompt)).resolves.toEqual(['Sorry! DM us?', 'On it.']);
    const input = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      modelId,
      system: [{ text: 'Write replies.' }],
      messages: [{ role: 'user', content: [{ text: prompt.user }] }],
    });
  });

  it('throws on an answer not in the asked-for shape, without its text', async () => {
    bedrock.on(ConverseCommand).resolves(answer('Here are some replies: 1. Sorry! 2. On it.'));
    const failure = writer().write(prompt);
    await expect(failure).rejects.toBeInstanceOf(DraftAnswerError);
    await expect(failure).rejects.not.toThrow(/Sorry/);
  });

  it('lets a throttled call fail (the caller answers with templates)', async () => {
    bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));
    await expect(writer().write(prompt)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('parseDrafts', () => {
  it.each([
    ['{"drafts": ["a", "b"]}', ['a', 'b']],
    ['```json\n{"drafts": ["a"]}\n```', ['a']],
    ['{"drafts": []}', undefined],
    ['{"drafts": "a"}', undefined],
    ['{"replies": ["a"]}', undefined],
    ['not json', undefined],
  ])('%s → %j', (text, expected) => {
    expect(parseDrafts(text)).toEqual(expected);
  });
});
