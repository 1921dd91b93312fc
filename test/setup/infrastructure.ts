import type { TestProject } from 'vitest/node';
import { type Infrastructure, startInfrastructure } from '../../local/infra/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    functionEnvironment: Record<string, string>;
    kafkaBrokers: string[];
    dynamodbEndpoint: string;
    /** the bundled Mokapi, whose racing reads the emulator must verify (local/emulator/fetch-verifier.ts) */
    bundledBroker: boolean;
  }
}

// The SDK warns that its releases after January 2027 need Node 22; the lockfile pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let infrastructure: Infrastructure | undefined;

/** One DynamoDB Local and one broker for the whole run, on free ports, stopped at the end. */
export async function setup(project: TestProject): Promise<void> {
  infrastructure = await startInfrastructure();
  const { timings } = infrastructure;
  console.log(
    `local infrastructure up in ${timings.total} ms (dynamodb ${timings.dynamodb} ms, kafka ${timings.kafka} ms, tables ${timings.tables} ms)`,
  );
  project.provide('functionEnvironment', infrastructure.functionEnvironment);
  project.provide('kafkaBrokers', infrastructure.kafkaBrokers);
  project.provide('dynamodbEndpoint', infrastructure.dynamodbEndpoint);
  project.provide('bundledBroker', infrastructure.bundledBroker);
}

export async function teardown(): Promise<void> {
  await infrastructure?.stop();
}
