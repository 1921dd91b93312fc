import { type Infrastructure, packageStage } from '@msk-patterns/emulator';
import type { TestProject } from 'vitest/node';
import { startServiceInfrastructure } from '../../local/service.js';

declare module 'vitest' {
  export interface ProvidedContext {
    functionEnvironment: Record<string, string>;
    kafkaBrokers: string[];
    dynamodbEndpoint: string;
    /** what the broker of this run is: Apache Kafka started here, or a KAFKA_BROKERS cluster */
    brokerDescription: string;
    /** the packaged CloudFormation template per stage: `dev` (the default) and `example` */
    packagedTemplates: Record<'dev' | 'example', string>;
  }
}

// The SDK warns that its releases after January 2027 need Node 22; the lockfile pins this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let infrastructure: Infrastructure | undefined;

/** Both stages packaged once, copied where a later packaging (npm start's) cannot overwrite them. */
async function packageStages(): Promise<Record<'dev' | 'example', string>> {
  const dev = await packageStage('dev', { copy: true });
  const example = await packageStage('example', { copy: true });
  return { dev, example };
}

/**
 * One DynamoDB Local and one broker for the whole run, on free ports, stopped at the end; and the
 * packaged templates the deployment tests read, made while the services start.
 */
export async function setup(project: TestProject): Promise<void> {
  const [started, packaged] = await Promise.allSettled([startServiceInfrastructure(), packageStages()]);
  if (started.status === 'rejected') throw started.reason;
  const running = started.value;
  infrastructure = running;
  if (packaged.status === 'rejected') {
    await running.stop();
    throw packaged.reason;
  }
  const { timings } = running;
  console.log(
    `local infrastructure up in ${timings.total} ms (dynamodb ${timings.dynamodb} ms, kafka ${timings.kafka} ms, tables ${timings.tables} ms); Kafka: ${running.brokerDescription}`,
  );
  project.provide('functionEnvironment', running.functionEnvironment);
  project.provide('kafkaBrokers', running.kafkaBrokers);
  project.provide('dynamodbEndpoint', running.dynamodbEndpoint);
  project.provide('brokerDescription', running.brokerDescription);
  project.provide('packagedTemplates', packaged.value);
}

export async function teardown(): Promise<void> {
  await infrastructure?.stop();
}
