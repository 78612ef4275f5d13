import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { LoadedConfig } from '#core/config/load-config.js';
import { AppFunction } from './app-function.js';

/** Props of {@link MaintenanceJobs}. */
export interface MaintenanceJobsProps {
  /** The validated governance config: a replay job routes with its rules. */
  config: LoadedConfig;
  table: ITableV2;
  /** Entry file of a function under lambdas/. */
  entry(path: string): string;
  /** Told when a job fails (or times out): an erasure or replay someone asked for did not finish. */
  alarms: AlarmTopic;
}

/** The error the job function fails with for input it cannot run with (lambdas/jobs/job-state.ts). */
const JOB_INPUT_ERROR = 'JobInputError';

/**
 * The jobs an operator starts and that must not depend on a laptop staying awake
 * (`switchboard replay --stack`, `switchboard erase --stack`; docs/auditing.md): one Step
 * Functions state machine that calls the job function in a loop, each invocation doing pages of
 * work until its time is nearly up and returning the job's state (the Scan's cursor, the counts),
 * until the function says `done`. Lambda's own hiccups are retried, and so is a failed
 * invocation: it starts again from the last state, and every step is safe to repeat (deliveries
 * and erasures are written once; the tombstone is one item). Input the function refuses fails
 * the execution at once, with the function's message.
 *
 * Execution data stays out of the logs (an erasure's input names the person); the execution
 * history has it, readable by whoever may describe executions.
 */
export class MaintenanceJobs extends Construct {
  readonly job: AppFunction;
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: MaintenanceJobsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.job = new AppFunction(this, 'Job', {
      entry: props.entry('jobs/handler.ts'),
      description: 'Replays history to a department or erases a person, page by page, for the jobs state machine',
      // Several times the function's safety margin (lambdas/jobs/run-job.ts, one minute): most of
      // each invocation is work, and a step that runs long still ends before the timeout.
      timeout: Duration.minutes(5),
      bundledConfig: { ...props.config, path: 'switchboard.yaml (bundled)' },
      environment: { TABLE_NAME: props.table.tableName },
    });
    // Replay: Scan for the window, BatchGetItem for the chain heads (and a dry run's existing
    // deliveries), PutItem for each delivery and its chain head (in a transaction). Erasure:
    // Scan for the person, Query for an engagement's partition and its raw delivery, UpdateItem
    // to scrub the engagement and its copies, PutItem for the event, chain head, rewritten raw
    // parts and the tombstone, DeleteItem for raw parts left over. Nothing reads or writes
    // outside the table.
    props.table.grant(
      this.job.fn,
      'dynamodb:Scan',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );

    const step = new LambdaInvoke(this, 'Step', {
      lambdaFunction: this.job.fn,
      comment: 'Does pages of the job until its time is nearly up; returns the state with cursor, counts and done',
      // The function's return value is the next state, as it is (not wrapped in Lambda's response).
      payloadResponseOnly: true,
      // Lambda.ServiceException and the like, retried with backoff (six attempts).
      retryOnServiceExceptions: true,
    });
    // Refused input would be refused again: fail now. (A retrier with no attempts, before the catch-all.)
    step.addRetry({ errors: [JOB_INPUT_ERROR], maxAttempts: 0 });
    // Anything else (a throttled table, a timeout) is tried again from the same state.
    step.addRetry({ errors: [Errors.ALL], interval: Duration.seconds(10), maxAttempts: 4, backoffRate: 2 });
    const loop = new Choice(this, 'Done?')
      .when(
        Condition.and(Condition.isPresent('$.done'), Condition.booleanEquals('$.done', true)),
        new Succeed(this, 'Finished', { comment: 'The output is the job’s last state: its counts' }),
      )
      .otherwise(step);

    // Vended-logs prefix: Step Functions then needs no log resource policy per log group.
    const logGroupName = `/aws/vendedlogs/states/${stack.stackName}-jobs`;
    const key = new Key(this, 'LogKey', {
      description: 'Switchboard maintenance jobs execution logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch Logs encrypts this one log group's events with the key, nothing else.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: logGroupName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    const logs = new LogGroup(this, 'Logs', {
      logGroupName,
      encryptionKey: key,
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: 'switchboard replay --stack / erase --stack: calls the job function until it is done',
      definitionBody: DefinitionBody.fromChainable(step.next(loop)),
      // A replay of a long history takes many invocations; a job still running after this is stuck.
      timeout: Duration.hours(12),
      tracingEnabled: true,
      // Every state change, without the states' data: an erasure's input names the person.
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });

    props.alarms.alarm(this, 'FailedAlarm', {
      metric: new MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
          aborted: this.stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
        label: 'maintenance jobs failed, timed out or aborted',
      }),
      description:
        'A maintenance job (replay or erasure) did not finish: see the execution in Step Functions; redrive it (aws stepfunctions redrive-execution) or run the command again. An erasure that did not finish is a request not yet served.',
    });

    Validations.of(this.job.fn).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole only allows writing the function’s own logs.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
      },
    );
    const functionId = stack.getLogicalId(this.job.fn.node.defaultChild as CfnFunction);
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Step Functions log delivery (logs:CreateLogDelivery, GetLogDelivery, …) and X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
        reason: 'Invoking the one job function in any of its versions: the wildcard covers the version qualifier only.',
      },
    );
  }
}
