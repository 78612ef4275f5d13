/**
 * What a poller reports about each target, so a connection that breaks does not break silently.
 * (Webhooks report through their metrics: a write per delivery would cost a write unit and
 * make one hot item per platform.)
 */
export interface HealthRecorder {
  /**
   * A poll of one target ended: `ok`, `rate-limited` (the source asked us to wait: neither a
   * success nor a failure) or `failed`.
   */
  polled(
    platform: string,
    target: string,
    at: string,
    outcome: { result: 'ok' | 'rate-limited' | 'failed'; emitted: number; error?: string },
  ): Promise<void>;
}

/** The health of one platform's connection, as `GET /health/platforms` shows it (webhook figures from the metrics, polling from the table). */
export interface PlatformHealth {
  platform: string;
  webhook?: {
    lastAcceptedAt?: string;
    accepted?: number;
    refusals?: number;
    consecutiveRefusals?: number;
    lastRefusalAt?: string;
    lastRefusalCode?: string;
  };
  polling?: {
    target: string;
    lastPollAt?: string;
    lastSuccessAt?: string;
    lastRateLimitedAt?: string;
    consecutiveFailures?: number;
    lastError?: string;
    emitted?: number;
  }[];
}
