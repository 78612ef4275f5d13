/** What a connector reports about itself, so a connection that breaks does not break silently. */
export interface HealthRecorder {
  /** A webhook delivery was verified and stored in the intake queue. */
  webhookAccepted(platform: string, at: string, engagements: number): Promise<void>;
  /** A webhook request was refused (bad or missing signature, stale timestamp, malformed body). */
  webhookRefused(platform: string, at: string, code: string): Promise<void>;
  /**
   * A poll of one target ended: `ok`, `rate-limited` (the source asked us to wait: neither a
   * success nor a failure) or `failed`.
   */
  polled(platform: string, target: string, at: string, outcome: { result: 'ok' | 'rate-limited' | 'failed'; emitted: number; error?: string }): Promise<void>;
}

/** The health of one platform's connection, as stored and as `GET /health/platforms` shows it. */
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
  polling?: { target: string; lastPollAt?: string; lastSuccessAt?: string; lastRateLimitedAt?: string; consecutiveFailures?: number; lastError?: string; emitted?: number }[];
}
