import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Engagement } from '../core/engagement/engagement.schema.js';

/**
 * Hands engagements to the republish queue, ten to a call; resolves with the ids SQS did not
 * take (a refused entry of a batch call, or every entry of a call that failed).
 */
export function sqsHandOff(client: SQSClient, queueUrl: string): (engagements: Engagement[]) => Promise<{ failed: string[] }> {
  return async (engagements) => {
    const failed: string[] = [];
    for (let i = 0; i < engagements.length; i += 10) {
      const chunk = engagements.slice(i, i + 10);
      try {
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((e, j) => ({ Id: String(j), MessageBody: JSON.stringify(e) })) }));
        for (const f of out.Failed ?? []) failed.push(chunk[Number(f.Id)]!.id);
      } catch {
        failed.push(...chunk.map((e) => e.id));
      }
    }
    return { failed };
  };
}
