import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Hands engagements to the republish queue by id: a message is `{"id": "<engagement id>"}`, and
 * the republish side reads the engagement from the table when it publishes (so a message stays
 * small whatever the engagement's size, and a deletion made meanwhile is honoured). Calls of ten
 * run together; an id a batch call refused, or every id of a batch call that failed, is sent
 * once more on its own. Resolves with the ids SQS still did not take.
 */
export function sqsHandOff(
  client: SQSClient,
  queueUrl: string,
  log: (message: string, data: Record<string, unknown>) => void = () => undefined,
): (ids: string[]) => Promise<{ failed: string[] }> {
  const sendOne = async (id: string): Promise<boolean> => {
    try {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id }) }));
      return true;
    } catch (err) {
      log('engagement could not be handed to the republish queue', { engagementId: id, error: (err as Error).message });
      return false;
    }
  };
  return async (ids) => {
    const chunks = Array.from({ length: Math.ceil(ids.length / 10) }, (_, i) => ids.slice(i * 10, i * 10 + 10));
    const refused = (
      await Promise.all(
        chunks.map(async (chunk) => {
          try {
            const out = await client.send(
              new SendMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: chunk.map((id, j) => ({ Id: String(j), MessageBody: JSON.stringify({ id }) })),
              }),
            );
            return (out.Failed ?? []).map((f) => chunk[Number(f.Id)]!);
          } catch (err) {
            log('republish batch call failed; sending its entries one by one', {
              entries: chunk.length,
              error: (err as Error).message,
            });
            return chunk;
          }
        }),
      )
    ).flat();
    const retried = await Promise.all(refused.map(async (id) => ((await sendOne(id)) ? undefined : id)));
    return { failed: retried.filter((id): id is string => id !== undefined) };
  };
}
