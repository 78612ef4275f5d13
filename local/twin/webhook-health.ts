import type { PlatformHealth } from '#core/lifecycle/ports/health-recorder.js';

type WebhookHealth = NonNullable<PlatformHealth['webhook']>;

/** One line of the embedded metric format, as the webhook function prints it. */
interface MetricLine {
  _aws?: { Timestamp?: number; CloudWatchMetrics?: { Metrics?: { Name?: string }[] }[] };
  platform?: string;
  refusal?: string;
  WebhookAccepted?: number;
  WebhookRefused?: number;
}

/**
 * Webhook connector health from the webhook function's metrics, as CloudWatch takes them from
 * its log lines on AWS: the twin reads the same embedded-metric-format lines from the
 * function's output. Counts are since the twin started.
 */
export class WebhookHealthFromMetrics {
  private readonly byPlatform = new Map<string, WebhookHealth>();

  /** Takes one line of function output; lines that are not webhook metrics are ignored. */
  observe(line: string): void {
    if (!line.startsWith('{"_aws"')) return;
    let m: MetricLine;
    try {
      m = JSON.parse(line) as MetricLine;
    } catch {
      return;
    }
    if (!m.platform || !m._aws?.CloudWatchMetrics) return;
    // Other functions' metrics (a poller's) carry a platform too, and say nothing about webhooks.
    if (typeof m.WebhookAccepted !== 'number' && typeof m.WebhookRefused !== 'number') return;
    const at = new Date(m._aws.Timestamp ?? Date.now()).toISOString();
    const h = this.byPlatform.get(m.platform) ?? {};
    if (typeof m.WebhookAccepted === 'number') {
      Object.assign(h, { accepted: (h.accepted ?? 0) + m.WebhookAccepted, lastAcceptedAt: at, consecutiveRefusals: 0 });
    }
    if (typeof m.WebhookRefused === 'number') {
      Object.assign(h, {
        refusals: (h.refusals ?? 0) + m.WebhookRefused,
        consecutiveRefusals: (h.consecutiveRefusals ?? 0) + m.WebhookRefused,
        lastRefusalAt: at,
        lastRefusalCode: m.refusal ?? 'unknown',
      });
    }
    this.byPlatform.set(m.platform, h);
  }

  /** The webhook health of a platform, or undefined when it has had no signed delivery. */
  of(platform: string): WebhookHealth | undefined {
    const h = this.byPlatform.get(platform);
    return h ? { ...h } : undefined;
  }
}
