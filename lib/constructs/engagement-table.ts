import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Props of {@link EngagementTable}. */
export interface EngagementTableProps {
  /** Refuse `cdk destroy`/replacement of the table. @default true */
  deletionProtection?: boolean;
}

/**
 * The single table for engagements, their audit trail and raw deliveries (key layout in
 * lambdas/aws/dynamodb-engagement-store.ts). Point-in-time recovery is on because auditors
 * rely on it and S3 exports require it; TTL only ever removes raw deliveries, which are the
 * only items written with `expiresAt`. The stream carries new images: inserted engagement items
 * are what the publish function publishes (the outbox).
 */
export class EngagementTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: EngagementTableProps = {}) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      dynamoStream: StreamViewType.NEW_IMAGE,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
