import { loadSqsLibrary, SQS_LIBRARY_FIXES } from '#local/emulators/sqs-library.js';

describe('local-aws-sqs load-time fixes', () => {
  it('applies every fix to the pinned version', () => {
    const { appliedFixes, missingFixes, module } = loadSqsLibrary();
    expect(missingFixes).toEqual([]);
    expect(appliedFixes).toEqual(SQS_LIBRARY_FIXES.map((fix) => fix.id));
    expect(typeof module.createRequestHandler).toBe('function');
  });

  it('exposes the in-memory service the wrapper needs', () => {
    const { service } = loadSqsLibrary().module.createRequestHandler({ port: 1, queues: [{ QueueName: 'a' }] });
    expect(service.Queues.map((queue) => queue.QueueName)).toEqual(['a']);
    const [queue] = service.Queues;
    expect(typeof queue?.clearRecords).toBe('function');
    expect(typeof queue?.purge).toBe('function');
  });
});
