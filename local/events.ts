/**
 * `npm run generate`: writes the generated artefacts — the sample MSK events in events/ (from the
 * contracts, with the real codec) and the AsyncAPI document of lib/contracts/generated/. Never edit
 * them by hand: a test fails when the committed files differ from what this produces.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadServerlessConfig } from '@msk-patterns/emulator';
import {
  asyncApiDocument,
  type ConsumerExpectation,
  dataSchema,
  encodeMskEvent,
  envelopeFor,
  exampleFromSchema,
  type MessageContract,
  type MskEvent,
  type ProducerDeclaration,
  type RecordInput,
  recordFor,
  stableId,
} from '@msk-patterns/pipeline';
import { stringify } from 'yaml';
import * as z from 'zod/mini';
import { contracts } from '../lib/contracts/index.js';
import { orderCommandSenders } from '../lib/contracts/orders.js';
import { ALL_TOPICS, PRODUCE_VALIDATED_TOPICS } from '../lib/contracts/topics.js';
import { importServiceModule } from './service.js';

const documentedCluster = {
  eventSourceArn:
    'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/5a1b2c3d-0000-0000-0000-000000000000-2',
  bootstrapServers:
    'b-1.orders.abc.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc.kafka.eu-west-1.amazonaws.com:9098',
};
const FIRST_OFFSET = 1041;
const START = Date.parse('2026-01-01T00:00:00.000Z');

interface FunctionModule {
  expectations?: ConsumerExpectation[];
  produces?: ProducerDeclaration[];
}

async function functionModule(handler: string): Promise<FunctionModule> {
  return (await importServiceModule(handler)) as FunctionModule;
}

function latest(topic: string, type: string): MessageContract {
  const contract = contracts.latest(topic, type);
  if (!contract) throw new Error(`no contract for ${type} on ${topic}`);
  return contract;
}

/** One record per message type the consumer reads, keyed and headed the way its producer writes them. */
function mskEvent(
  expectation: ConsumerExpectation,
  producers: ProducerDeclaration[],
  malformed: boolean,
): MskEvent {
  const producer = producers.find((candidate) => candidate.topic === expectation.topic);
  const records: RecordInput[] = Object.keys(expectation.messages).map((type, index) => {
    const contract = latest(expectation.topic, type);
    const data = z.parse(contract.data, exampleFromSchema(dataSchema(contract), 'full')) as Record<
      string,
      unknown
    >;
    const occurredAt = new Date(START + index * 1000).toISOString();
    const envelope = envelopeFor(contract, data, {
      id: stableId(`sample:${expectation.consumer}:${type}`),
      causationId: null,
      occurredAt,
    });
    const record = recordFor(expectation.topic, envelope, {
      partition: 0,
      offset: FIRST_OFFSET + index,
      key: producer?.key(data) ?? String(index),
    });
    record.headers = { ...record.headers, ...producer?.headers?.(data, index + 1) };
    return record;
  });
  const selected = malformed ? records.slice(0, 1) : records;
  if (malformed) {
    selected.push({
      topic: expectation.topic,
      partition: 0,
      offset: FIRST_OFFSET + 1,
      key: 'order-1001',
      value: '{"type":"PlaceOrder","this is":"not an envelope"}',
      timestamp: START + 1000,
    });
  }
  return encodeMskEvent(selected, documentedCluster);
}

/** What EventBridge sends a scheduled target. */
function scheduledEvent(functionKey: string): Record<string, unknown> {
  return {
    version: '0',
    id: stableId(`sample:${functionKey}:schedule`),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(START).toISOString().replace('.000', ''),
    region: 'eu-west-1',
    resources: [`arn:aws:events:eu-west-1:123456789012:rule/${functionKey}-schedule`],
    detail: {},
  };
}

/** An API Gateway v2 (payload 2.0) request for an HTTP function's route, with example path parameters. */
function httpEvent(functionKey: string, route: { method: string; path: string }): Record<string, unknown> {
  const pathParameters = Object.fromEntries(
    [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => [name, `${name.replace(/Id$/, '')}-1001`]),
  );
  const rawPath = route.path.replace(/\{(\w+)\}/g, (_, name: string) => pathParameters[name] ?? '');
  const query = functionKey === 'getOrderAsOf' ? { version: '1' } : undefined;
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: { accept: 'application/json' },
    ...(query ? { queryStringParameters: query } : {}),
    pathParameters,
    requestContext: {
      http: {
        method: route.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'sample',
      },
      requestId: 'sample',
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
    },
    isBase64Encoded: false,
  };
}

/**
 * file name (without .json) → event, for every function of serverless.yml: an MSK function gets a
 * valid event built from contract examples and one with a malformed record; an HTTP function a request.
 */
export async function sampleEvents(): Promise<Record<string, unknown>> {
  const { functions } = loadServerlessConfig();
  const modules = Object.fromEntries(
    await Promise.all(
      Object.entries(functions).map(async ([name, fn]) => [name, await functionModule(fn.handler)] as const),
    ),
  );
  const producers = [
    orderCommandSenders,
    ...Object.values(modules).flatMap((module) => module.produces ?? []),
  ];
  const events: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(functions)) {
    for (const event of fn.events ?? []) {
      const http = event.httpApi as { method: string; path: string } | undefined;
      if (http) events[name] = httpEvent(name, http);
      if ('schedule' in event) events[name] = scheduledEvent(name);
    }
    // A function reading several topics gets one event per topic: `<name>` for the first, then `<name>-<topic>`.
    for (const [index, expectation] of (modules[name]?.expectations ?? []).entries()) {
      const file = index === 0 ? name : `${name}-${expectation.topic}`;
      events[file] = mskEvent(expectation, producers, false);
      if (index === 0) events[`${name}-malformed`] = mskEvent(expectation, producers, true);
    }
  }
  return events;
}

export const EVENTS_DIRECTORY = fileURLToPath(new URL('../events/', import.meta.url));
export const ASYNCAPI_FILE = fileURLToPath(
  new URL('../lib/contracts/generated/asyncapi.yaml', import.meta.url),
);

/** The published AsyncAPI document (the local broker adds its server to the same document). */
export function asyncApiYaml(): string {
  return stringify(
    asyncApiDocument(contracts, { topics: ALL_TOPICS, validatedTopics: PRODUCE_VALIDATED_TOPICS }),
    {
      aliasDuplicateObjects: false,
    },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, event] of Object.entries(await sampleEvents())) {
    writeFileSync(`${EVENTS_DIRECTORY}${name}.json`, `${JSON.stringify(event, null, 2)}\n`);
    console.log(`events/${name}.json`);
  }
  mkdirSync(dirname(ASYNCAPI_FILE), { recursive: true });
  writeFileSync(ASYNCAPI_FILE, asyncApiYaml());
  console.log('lib/contracts/generated/asyncapi.yaml');
}
