import { join } from 'node:path';
import type { SynthesizedStack } from './cloud-assembly.js';
import { resourcesOfType } from './cloud-assembly.js';
import type { IntrinsicResolver } from './intrinsics.js';

/** A queue to create locally, with its attributes resolved. */
export interface LocalQueue {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** Logical id of the queue its RedrivePolicy sends to. */
  deadLetterQueueLogicalId?: string;
}

/** A function bundle to run locally. */
export interface LocalFunctionResource {
  logicalId: string;
  name: string;
  bundle: string;
  handler: string;
  environment: Record<string, string>;
  timeoutMs: number;
  memorySize: number;
}

const tagsOf = (props: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(
    ((props?.Tags as { Key: string; Value: string }[] | undefined) ?? []).map((t) => [t.Key, t.Value]),
  );

/** Queues of the template, DLQs first so a RedrivePolicy always names an existing queue. */
export function localQueues(stack: SynthesizedStack, resolver: IntrinsicResolver): LocalQueue[] {
  const queues = resourcesOfType(stack, 'AWS::SQS::Queue').map(([logicalId, r]): LocalQueue => {
    const p = r.Properties ?? {};
    const attributes: Record<string, string> = {};
    for (const key of [
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'MaximumMessageSize',
      'ReceiveMessageWaitTimeSeconds',
    ]) {
      if (p[key] !== undefined) attributes[key] = String(resolver.resolve(p[key]));
    }
    let deadLetterQueueLogicalId: string | undefined;
    const redrive = p.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined;
    if (redrive) {
      deadLetterQueueLogicalId = (redrive.deadLetterTargetArn as { 'Fn::GetAtt'?: [string, string] })[
        'Fn::GetAtt'
      ]?.[0];
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: resolver.resolve(redrive.deadLetterTargetArn),
        maxReceiveCount: Number(redrive.maxReceiveCount),
      });
    }
    return {
      logicalId,
      name: resolver.physicalName(logicalId),
      url: resolver.queueUrl(logicalId),
      arn: resolver.arn(logicalId),
      attributes,
      tags: tagsOf(p),
      deadLetterQueueLogicalId,
    };
  });
  return [...queues.filter((q) => !q.deadLetterQueueLogicalId), ...queues.filter((q) => q.deadLetterQueueLogicalId)];
}

/** Functions of the template, with their bundle on disk and environment resolved to local names. */
export function localFunctions(stack: SynthesizedStack, resolver: IntrinsicResolver): LocalFunctionResource[] {
  return resourcesOfType(stack, 'AWS::Lambda::Function').flatMap(([logicalId, r]) => {
    const p = r.Properties ?? {};
    const assetPath = r.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') return []; // inline code of CDK custom resources: not part of the app
    const [file, handler] = String(p.Handler ?? 'index.handler').split('.') as [string, string];
    const variables = resolver.resolve(
      (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    ) as Record<string, unknown>;
    return [
      {
        logicalId,
        name: resolver.physicalName(logicalId),
        bundle: join(stack.outdir, assetPath, `${file}.mjs`),
        handler,
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
        timeoutMs: Number(p.Timeout ?? 3) * 1000,
        memorySize: Number(p.MemorySize ?? 128),
      },
    ];
  });
}

/** Logical id named by a `{Ref}` or `{Fn::GetAtt: [id, …]}`. */
export function referencedId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') return v.Ref;
  if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
  return undefined;
}

export { tagsOf };
