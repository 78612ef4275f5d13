import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';

/** Props of {@link ConnectorHealthAlarms}. */
export interface ConnectorHealthAlarmsProps {
  alarms: AlarmTopic;
  webhookPlatforms: readonly string[];
  polledPlatforms: readonly string[];
  /** The webhook function's service name (every metric it emits carries it as the `service` dimension). */
  webhookService: string;
  /** The poller function's service name. */
  pollerService: string;
  /** Refused webhook signatures per platform in 15 minutes, with none accepted, that alarm. @default 5 */
  refusalThreshold?: number;
  /** Failed polls per platform in 30 minutes that alarm. @default 3 */
  pollFailureThreshold?: number;
}

/**
 * The alarms behind "connections that break silently": per platform, a burst of refused
 * webhook signatures (a rotated or mistyped secret) and repeated poll failures (an expired
 * token, a moved feed). The functions emit the metrics in the embedded metric format
 * (namespace `Switchboard`, dimensions `service` and `platform`).
 */
export class ConnectorHealthAlarms extends Construct {
  constructor(scope: Construct, id: string, props: ConnectorHealthAlarmsProps) {
    super(scope, id);
    // Powertools adds the function's `service` to every metric's dimensions: a metric asked for
    // by `platform` alone is another metric, which never has data, and its alarm never fires.
    const metric = (metricName: string, platform: string, period: Duration, service: string) =>
      new Metric({
        namespace: 'Switchboard',
        metricName,
        dimensionsMap: { service, platform },
        statistic: 'Sum',
        period,
      });
    const window = Duration.minutes(15);
    for (const platform of props.webhookPlatforms) {
      // Refusals while nothing is accepted: a wrong secret refuses everything, whereas a few
      // forged requests beside a working connection are noise.
      const brokenSignatures = new MathExpression({
        expression: `IF(FILL(refused, 0) >= ${props.refusalThreshold ?? 5} AND FILL(accepted, 0) == 0, 1, 0)`,
        usingMetrics: {
          refused: metric('WebhookRefused', platform, window, props.webhookService),
          accepted: metric('WebhookAccepted', platform, window, props.webhookService),
        },
        period: window,
        label: `${platform} refused signatures with nothing accepted`,
      });
      props.alarms.alarm(this, `${platform}Refusals`, {
        metric: brokenSignatures,
        description: `${platform} webhook signatures are being refused and nothing is accepted: is the secret in Secrets Manager the one the platform signs with? See the webhook function logs.`,
      });
    }
    for (const platform of props.polledPlatforms) {
      props.alarms.alarm(this, `${platform}PollFailures`, {
        metric: metric('PollFailed', platform, Duration.minutes(30), props.pollerService),
        threshold: props.pollFailureThreshold ?? 3,
        description: `Polling ${platform} keeps failing: check the poller function logs and the target's lastError in the HEALTH items.`,
      });
    }
  }
}
