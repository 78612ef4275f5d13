import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { IntakeDelivery } from '../core/intake/delivery.js';

/** Writes a delivery to the intake queue; resolves once SQS has stored it (durable). */
export function sqsEnqueue(client: SQSClient, queueUrl: string): (delivery: IntakeDelivery) => Promise<void> {
  return async (delivery) => {
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(delivery) }));
  };
}
