import { AwsServiceError } from '../aws-json-server.js';

// EventBridge's error types, by the names the AWS SDK maps to typed exceptions (ValidationException
// is not in EventBridge's model: the SDK raises EventBridgeServiceException with that name).

/** 400 ValidationException: malformed or out-of-range request members. */
export const validationError = (message: string) => new AwsServiceError('ValidationException', message);

/** 400 ResourceNotFoundException. */
export const resourceNotFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message);

/** 400 ResourceAlreadyExistsException. */
export const alreadyExists = (message: string) => new AwsServiceError('ResourceAlreadyExistsException', message);

/** 400 LimitExceededException, e.g. a sixth target on a rule. */
export const limitExceeded = (message = 'The requested resource exceeds the maximum number allowed.') =>
  new AwsServiceError('LimitExceededException', message);

/** 400 InvalidEventPatternException with the pattern engine's message. */
export const invalidEventPattern = (message: string) => new AwsServiceError('InvalidEventPatternException', message);

/** AWS's text for a rule missing from a bus. */
export const ruleNotFound = (rule: string, bus: string) =>
  resourceNotFound(`Rule ${rule} does not exist on EventBus ${bus}.`);

/** AWS's text for a bus that does not exist. */
export const busNotFound = (bus: string) => resourceNotFound(`Event bus ${bus} does not exist.`);
