// Runs one Lambda bundle inside a worker thread, so each function gets its own
// process.env (its template environment) and its own module state, as on Lambda.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { bundle, handler: handlerName, functionName, timeoutMs, memorySize } = workerData;
const modulePromise = import(pathToFileURL(bundle).href);

parentPort.on('message', async ({ id, event }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.SWITCHBOARD_LOCAL_FUNCTION_ARN ?? functionName,
    memoryLimitInMB: String(memorySize),
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const mod = await modulePromise;
    const fn = mod[handlerName];
    if (typeof fn !== 'function') throw new Error(`${bundle} exports no function "${handlerName}"`);
    const result = await fn(event, context);
    parentPort.postMessage({ id, ok: true, result });
  } catch (err) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: err?.name ?? 'Error', message: err?.message ?? String(err) },
    });
  }
});
