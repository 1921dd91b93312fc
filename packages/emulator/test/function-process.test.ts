import { fileURLToPath } from 'node:url';
import type { MskEvent } from '@msk-patterns/pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionProcessHost, TaskTimedOutError } from '../src/emulator/function-process-host.js';

const SERVICE = fileURLToPath(new URL('./fixtures/', import.meta.url));
const EVENT: MskEvent = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn',
  bootstrapServers: '',
  records: {},
};

const hosts: FunctionProcessHost[] = [];
function host(handler: string): FunctionProcessHost {
  const started = new FunctionProcessHost({
    handler,
    functionKey: 'f',
    env: () => process.env,
    onFault: () => {},
    maxProcesses: 1,
    serviceDirectory: SERVICE,
  });
  hosts.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((started) => started.stop()));
});

describe('function processes', () => {
  it('answer with what the handler returned', async () => {
    await expect(host('handlers.answer').invoke(EVENT, 20)).resolves.toEqual({ records: 0 });
  });

  it('end an invocation at its timeout and give its place to the next one, as Lambda resets a timed-out environment', async () => {
    // Prepare: one process at most (a reserved concurrency of 1), a handler that never answers
    const hanging = host('handlers.hang');

    // Act: two invocations one after the other; without the timeout the second would wait forever
    const first = hanging.invoke(EVENT, 4);
    const second = hanging.invoke(EVENT, 4);

    // Assess
    await expect(first).rejects.toThrow(TaskTimedOutError);
    await expect(second).rejects.toThrow('Task timed out after 4.00 seconds');
  }, 30_000);
});
