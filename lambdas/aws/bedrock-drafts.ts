import { type BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod/mini';
import type { DraftPrompt, DraftWriter } from '../core/replies/ports/draft-writer.js';

const AnswerSchema = z.object({ drafts: z.array(z.string()) });

/** Why a model's answer could not be used (its text is never kept: it may quote the engagement). */
export class DraftAnswerError extends Error {
  override readonly name = 'DraftAnswerError';
}

/**
 * Reply drafts from a Bedrock model through the Converse API (so any text model, or an
 * inference profile, works with the same request). The call is abandoned after `timeoutMs`, so a
 * slow model never holds the department's request near API Gateway's 29 s.
 */
export class BedrockDraftWriter implements DraftWriter {
  constructor(
    private readonly client: BedrockRuntimeClient,
    readonly model: string,
    private readonly timeoutMs = 8_000,
  ) {}

  async write(prompt: DraftPrompt): Promise<string[]> {
    const out = await this.client.send(
      new ConverseCommand({
        modelId: this.model,
        system: [{ text: prompt.system }],
        messages: [{ role: 'user', content: [{ text: prompt.user }] }],
        // Some variety between drafts, little enough to keep to the rules.
        inferenceConfig: { maxTokens: 400 * prompt.count, temperature: 0.5 },
      }),
      { abortSignal: AbortSignal.timeout(this.timeoutMs) },
    );
    const answer = (out.output?.message?.content ?? []).map((c) => c.text ?? '').join('');
    const drafts = parseDrafts(answer);
    if (!drafts) throw new DraftAnswerError(`answer not in the asked-for shape (stop reason ${out.stopReason})`);
    return drafts;
  }
}

/**
 * The model's answer → draft texts; undefined when it is not the asked-for JSON. A code fence
 * around the JSON is tolerated (models add one despite being told not to).
 */
export function parseDrafts(answer: string): string[] | undefined {
  const unfenced = answer
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch {
    return undefined;
  }
  const parsed = AnswerSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const drafts = parsed.data.drafts.map((d) => d.trim()).filter((d) => d !== '');
  return drafts.length ? drafts : undefined;
}
