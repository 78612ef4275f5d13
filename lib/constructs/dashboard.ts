import { Duration, Stack } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { AppFunction } from './app-function.js';

/** Props of {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** The console's address, linked from the dashboard. */
  consoleUrl?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * The CloudWatch dashboard (docs/management.md, "Dashboard"): the console's headline figures
 * from the functions' metrics (engagements stored and published, SLA and approval breaches,
 * spikes and crisis mode) beside connector health (webhooks accepted and refused per platform,
 * polls failed per platform, messages waiting in dead-letter queues). Metrics are asked for
 * with the `service` dimension Powertools gives each function (`<stack>-<id>`), or found with
 * SEARCH where a platform dimension varies.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const of = (fnId: string, metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'Switchboard',
        metricName,
        dimensionsMap: { service: AppFunction.serviceNameOf(stack, fnId) },
        statistic,
        period: PERIOD,
        label: metricName,
      });
    const perPlatform = (metricName: string, label: string): IMetric =>
      new MathExpression({
        expression: `SEARCH('{Switchboard,service,platform} MetricName="${metricName}"', 'Sum', ${PERIOD.toSeconds()})`,
        label,
        period: PERIOD,
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-overview`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Switchboard\nEngagements, service and connector health. ${props.consoleUrl ? `[Open the console](${props.consoleUrl}) for the live feed, trends and crisis mode.` : 'The console shows the live feed, trends and crisis mode.'}`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Today',
        metrics: [
          of('Process', 'EngagementsStored'),
          of('Tracker', 'SlaBreaches'),
          of('Tracker', 'ApprovalBreaches'),
          of('Spikes', 'SpikesDetected'),
          of('Spikes', 'CrisisActive', 'Maximum'),
        ],
        setPeriodToTimeRange: true,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Engagements: stored and published',
        left: [of('Process', 'EngagementsStored'), of('Publish', 'EngagementsPublished')],
        width: 12,
      }),
      new GraphWidget({
        title: 'SLA and approval breaches, spikes, crisis mode',
        left: [of('Tracker', 'SlaBreaches'), of('Tracker', 'ApprovalBreaches'), of('Spikes', 'SpikesDetected')],
        right: [of('Spikes', 'CrisisActive', 'Maximum')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhooks accepted, per platform',
        left: [perPlatform('WebhookAccepted', 'accepted')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Webhook signatures refused, per platform',
        left: [perPlatform('WebhookRefused', 'refused')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Polls failed, per platform',
        left: [perPlatform('PollFailed', 'failed')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Messages waiting in dead-letter queues (should be 0)',
        left: [
          new MathExpression({
            expression: `SUM(SEARCH('{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" dead', 'Maximum', ${PERIOD.toSeconds()}))`,
            label: 'dead letters',
            period: PERIOD,
          }),
        ],
        width: 24,
      }),
    );
  }
}
