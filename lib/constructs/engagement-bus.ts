import { Duration } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ENGAGEMENT_ROUTED } from '#core/engagement/engagement-routed.js';

/** Props of {@link EngagementBus}. */
export interface EngagementBusProps {
  eventBusName: string;
  /** How long routed events are kept for replay. @default Duration.days(365) */
  archiveRetention?: Duration;
}

/**
 * The bus "Engagement Routed" events are published on, with an archive so a department that
 * joins late or lost its queue can have events replayed.
 */
export class EngagementBus extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: EngagementBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: props.eventBusName });
    new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      eventPattern: { source: [ENGAGEMENT_ROUTED.source] },
      retention: props.archiveRetention ?? Duration.days(365),
      description: 'Every routed engagement, for replay',
    });
  }
}
