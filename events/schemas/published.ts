import { EngagementRoutedEventSchema } from './engagement-routed.js';
import {
  EngagementErasedEventSchema,
  EngagementStatusChangedEventSchema,
  SlaBreachedEventSchema,
  StatusRejectedEventSchema,
  StatusReportedEventSchema,
} from './lifecycle.js';
import {
  ReplyApprovedEventSchema,
  ReplyFailedEventSchema,
  ReplyPublishedEventSchema,
  ReplyQueuedEventSchema,
  ReplyRefusedEventSchema,
  ReplyRejectedEventSchema,
  ReplyRequestedEventSchema,
  ReplySubmittedEventSchema,
} from './replies.js';

/** Every event Switchboard publishes or takes on its bus: file name → schema (`npm run schemas`). */
export const PUBLISHED_EVENT_SCHEMAS = {
  'engagement-routed.v1.schema.json': EngagementRoutedEventSchema,
  'status-reported.v1.schema.json': StatusReportedEventSchema,
  'engagement-status-changed.v1.schema.json': EngagementStatusChangedEventSchema,
  'status-rejected.v1.schema.json': StatusRejectedEventSchema,
  'sla-breached.v1.schema.json': SlaBreachedEventSchema,
  'engagement-erased.v1.schema.json': EngagementErasedEventSchema,
  'reply-submitted.v1.schema.json': ReplySubmittedEventSchema,
  'reply-approved.v1.schema.json': ReplyApprovedEventSchema,
  'reply-rejected.v1.schema.json': ReplyRejectedEventSchema,
  'reply-queued.v1.schema.json': ReplyQueuedEventSchema,
  'reply-published.v1.schema.json': ReplyPublishedEventSchema,
  'reply-failed.v1.schema.json': ReplyFailedEventSchema,
  'reply-requested.v1.schema.json': ReplyRequestedEventSchema,
  'reply-refused.v1.schema.json': ReplyRefusedEventSchema,
} as const;
