import * as z from 'zod';
import { retentionDays } from './retention-days.js';

export { retentionDays };

const period = z.string().refine((v) => retentionDays(v) !== undefined, {
  message: 'must be a retention such as P30D, P400D or P7Y (years, months, weeks, days; more than zero)',
});

/**
 * How long each class of data is kept (docs/design.md, "Audit"): raw webhook deliveries (TTL on
 * their items), engagements and their text, audit records, and table exports in the audit
 * bucket (S3 lifecycle and Object Lock).
 */
export const RetentionSchema = z
  .strictObject({
    rawDeliveries: period.default('P30D'),
    engagements: period.default('P400D'),
    audit: period.default('P7Y'),
    exports: period.default('P7Y'),
  })
  .default({ rawDeliveries: 'P30D', engagements: 'P400D', audit: 'P7Y', exports: 'P7Y' });
