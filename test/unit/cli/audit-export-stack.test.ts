import {
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
  PointInTimeRecoveryUnavailableException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { auditExportStack, exportRequest, exportTarget } from '../../../bin/commands/audit-export-stack.js';

const outputs = {
  TableName: 'sb-Engagements',
  AuditBucketName: 'sb-audit',
  AuditKeyArn: 'arn:aws:kms:eu-west-1:1:key/k',
};
const tableArn = 'arn:aws:dynamodb:eu-west-1:1:table/sb-Engagements';

describe('audit export --stack', () => {
  it('asks for the export the nightly schedule starts: full, DynamoDB JSON, under exports/, with the audit key', () => {
    const request = exportRequest(exportTarget('sb', outputs), tableArn, new Date('2026-12-06T17:45:12Z'));
    expect(request).toEqual({
      TableArn: tableArn,
      S3Bucket: 'sb-audit',
      S3Prefix: 'exports',
      ExportFormat: 'DYNAMODB_JSON',
      ExportType: 'FULL_EXPORT',
      ClientToken: 'switchboard-audit-202612061745',
      S3SseAlgorithm: 'KMS',
      S3SseKmsKeyId: outputs.AuditKeyArn,
    });
    // The same minute is the same export: a retried command does not start a second one.
    expect(exportRequest(exportTarget('sb', outputs), tableArn, new Date('2026-12-06T17:45:59Z')).ClientToken).toBe(
      request.ClientToken,
    );
  });

  it('names the output a stack without an audit bucket lacks', () => {
    expect(() => exportTarget('old', { TableName: 't' })).toThrow('stack old has no AuditBucketName output');
  });

  it('says what to do when DynamoDB refuses the export, and exits 1', async () => {
    const dynamodb = mockClient(DynamoDBClient);
    dynamodb.on(DescribeTableCommand).resolves({ Table: { TableArn: tableArn } });
    dynamodb
      .on(ExportTableToPointInTimeCommand)
      .rejects(new PointInTimeRecoveryUnavailableException({ message: 'PITR is off', $metadata: {} }));
    const errors: string[] = [];
    const code = await auditExportStack(
      'sb',
      { json: false, wait: false, log: () => undefined, error: (l) => errors.push(l), progress: () => undefined },
      new DynamoDBClient({ region: 'eu-west-1' }),
      async () => outputs,
    );
    expect(code).toBe(1);
    expect(errors).toEqual([expect.stringContaining('point-in-time recovery off')]);
    dynamodb.restore();
  });
});
