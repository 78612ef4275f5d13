// The sizes the webhook enforces and the stack configures (the intake queue's message size), in
// one place both read.

/** Default cap on a webhook body. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;
/**
 * Largest intake message (the body escaped into JSON, or base64): SQS's limit, which the
 * stack sets on the intake queue. A body within the body cap that escapes beyond it is refused.
 */
export const MAX_INTAKE_MESSAGE_BYTES = 1024 * 1024;
