export {
  createEventBridge,
  DEFAULT_EVENTBRIDGE_PORT,
  EVENTBRIDGE_PORT_ENV,
  type EventBridgeOptions,
  type LocalEventBridge,
} from './event-bridge.js';
export { DeliveryError, type DeliveryRequest, type RetrySettings, type TargetDeliverer } from './delivery.js';
export { buildEnvelope, formatEventTime } from './envelope.js';
export { DEFAULT_MAX_PUT_EVENTS_BYTES, entrySize } from './put-events-validation.js';
export type * from './types.js';
