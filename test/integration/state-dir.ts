import { resolve } from 'node:path';

/**
 * Where the integration tests' twin writes its local.json. A fixed path rather than an
 * environment variable, because Jest's workers may start before the global setup runs.
 */
export const TEST_STATE_DIR = resolve('.switchboard/it');
