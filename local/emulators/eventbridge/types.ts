// Wire shapes of the EventBridge API (PascalCase, as in the AWS JSON protocol and in
// CloudFormation's AWS::Events::* properties), so the HTTP layer and a template loader can pass
// what they read straight through.

/** One entry of a PutEvents request. `Time` is epoch seconds on the wire; a Date or ISO text is accepted in-process. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number | string | Date;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** The event delivered to targets, keys in AWS's order. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface PutRuleInput {
  Name: string;
  EventBusName?: string;
  /** JSON text (API) or an object (CloudFormation template). */
  EventPattern?: string | object;
  ScheduleExpression?: string;
  State?: RuleState;
  Description?: string;
  RoleArn?: string;
}

export interface RetryPolicy {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface Target {
  Id: string;
  Arn: string;
  RoleArn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
  RetryPolicy?: RetryPolicy;
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
  [other: string]: unknown;
}

export interface PutTargetsInput {
  Rule: string;
  EventBusName?: string;
  Targets: Target[];
}

export interface FailedTargetEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

export interface PutTargetsResult {
  FailedEntryCount: number;
  FailedEntries: FailedTargetEntry[];
}

export interface RuleDescription {
  Name: string;
  Arn: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: RuleState;
  Description?: string;
  RoleArn?: string;
  EventBusName: string;
  CreatedBy: string;
}

export interface EventBusDescription {
  Name: string;
  Arn: string;
  Description?: string;
  CreationTime: Date;
  LastModifiedTime: Date;
}

export interface CreateArchiveInput {
  ArchiveName: string;
  EventSourceArn: string;
  EventPattern?: string | object;
  Description?: string;
  RetentionDays?: number;
}

export interface ArchiveDescription {
  ArchiveName: string;
  ArchiveArn: string;
  EventSourceArn: string;
  EventPattern?: string;
  Description?: string;
  RetentionDays: number;
  State: 'ENABLED';
  EventCount: number;
  SizeBytes: number;
  CreationTime: Date;
}

/** Delivery counters; each matched (event, target) pair ends in exactly one of delivered, deadLettered, dropped. */
export interface DeliveryCounters {
  /** Events accepted by PutEvents on an existing bus. */
  accepted: number;
  /** Events accepted (EventId returned) for a bus that does not exist, then dropped, as AWS does. */
  unknownBus: number;
  /** (event, target) pairs created by rule matches. */
  matched: number;
  delivered: number;
  /** Retry attempts made after a retryable failure. */
  retried: number;
  deadLettered: number;
  /** Failed deliveries with no DLQ, or whose DLQ send failed too. */
  dropped: number;
}
