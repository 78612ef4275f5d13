import { ensureDynamoDbLocal } from '../local/emulators/dynamodb-local.js';

/** `npm run setup:dynamodb`: fetches DynamoDB Local once (the twin also does it on first start). */
const dir = await ensureDynamoDbLocal({ log: (line) => console.log(line) });
console.log(`DynamoDB Local ready in ${dir}`);
