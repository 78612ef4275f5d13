import { apiIntegration } from './api-integration.js';
import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, LogGroupLogDestination, MethodLoggingLevel, RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';

/** Props of {@link WebhookApi}. */
export interface WebhookApiProps {
  handler: IFunction;
  /** Told when platforms get 5xx answers (secrets incomplete, intake queue unavailable). */
  alarms: AlarmTopic;
  /** Steady-state requests per second across all platforms. @default 200 */
  rateLimit?: number;
  /** @default 400 */
  burstLimit?: number;
  /** Per-method settings, such as a throttle per department route (`/<path>/<METHOD>` → settings). */
  methodOptions?: Record<string, { throttlingRateLimit: number; throttlingBurstLimit: number }>;
}

/**
 * The public front door: a REST API (chosen over HTTP API for WAF, stage throttling and access
 * logs) with `GET|POST /webhooks/{platform}` proxied to the webhook function. Every media type
 * is passed as binary, so the function gets the exact bytes the platform signed.
 */
export class WebhookApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    this.api = new RestApi(this, 'Api', {
      description: 'Switchboard platform webhooks',
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'live',
        throttlingRateLimit: props.rateLimit ?? 200,
        throttlingBurstLimit: props.burstLimit ?? 400,
        ...(props.methodOptions ? { methodOptions: props.methodOptions } : {}),
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request bodies carry personal data: never written to execution logs.
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
    });
    const integration = apiIntegration(props.handler);
    const platform = this.api.root.addResource('webhooks').addResource('{platform}');
    platform.addMethod('GET', integration);
    platform.addMethod('POST', integration);

    // The webhook function answers 503 itself when it cannot store a delivery, so its Errors
    // metric stays flat: the API's 5XX count is what shows platforms being turned away.
    props.alarms.alarm(this, 'ServerErrorsAlarm', {
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      description:
        'Platforms are getting 5xx answers: deliveries are not being accepted (incomplete secret or intake queue unavailable). They retry for a while, then give up. See the webhook function logs.',
    });

    const stack = Stack.of(this);
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason: 'Bodies are platform-specific and are validated in the function after the signature check.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is optional for webhook traffic that is HMAC-verified; attach a WebACL to the stage where policy requires it.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Platforms cannot present IAM or JWT credentials; each request is authenticated by its HMAC signature in the function.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Platforms cannot sign in with Cognito; each request is authenticated by its HMAC signature in the function.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'API Gateway account role uses the AWS-managed push-to-CloudWatch-Logs policy, scoped to logging.',
      },
    );
    new CfnOutput(stack, 'WebhookBaseUrl', {
      value: this.api.urlForPath('/webhooks'),
      description: 'Give platforms <this>/<platform id> as their webhook URL',
    });
  }
}
