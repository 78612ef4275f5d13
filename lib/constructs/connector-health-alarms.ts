import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';

/** Props of {@link ConnectorHealthAlarms}. */
export interface ConnectorHealthAlarmsProps {
  alarms: AlarmTopic;
  webhookPlatforms: readonly string[];
  polledPlatforms: readonly string[];
  /** Refused webhook requests (bad or missing signatures) per platform in 15 minutes that alarm. @default 5 */
  refusalThreshold?: number;
  /** Failed polls per platform in 30 minutes that alarm. @default 3 */
  pollFailureThreshold?: number;
}

/**
 * The alarms behind "connections that break silently": per platform, a burst of refused
 * webhook signatures (a rotated or mistyped secret) and repeated poll failures (an expired
 * token, a moved feed). The functions emit the metrics in the embedded metric format
 * (namespace `Switchboard`, dimension `platform`).
 */
export class ConnectorHealthAlarms extends Construct {
  constructor(scope: Construct, id: string, props: ConnectorHealthAlarmsProps) {
    super(scope, id);
    const metric = (metricName: string, platform: string, period: Duration) =>
      new Metric({ namespace: 'Switchboard', metricName, dimensionsMap: { platform }, statistic: 'Sum', period });
    for (const platform of props.webhookPlatforms) {
      props.alarms.alarm(this, `${platform}Refusals`, {
        metric: metric('WebhookRefused', platform, Duration.minutes(15)),
        threshold: props.refusalThreshold ?? 5,
        description: `${platform} webhook requests are being refused (bad or missing signatures): is the secret in Secrets Manager the one the platform signs with? See the webhook function logs.`,
      });
    }
    for (const platform of props.polledPlatforms) {
      props.alarms.alarm(this, `${platform}PollFailures`, {
        metric: metric('PollFailed', platform, Duration.minutes(30)),
        threshold: props.pollFailureThreshold ?? 3,
        description: `Polling ${platform} keeps failing: check the poller function logs and the target's lastError in the HEALTH items.`,
      });
    }
  }
}
