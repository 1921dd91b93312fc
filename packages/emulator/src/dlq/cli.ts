#!/usr/bin/env node
/**
 * `msk-dlq list|show|redrive`: inspect and redrive dead-letter topics of a running broker
 * (KAFKA_BROKERS), or of a deployed stage (`--stage <name>`: MSK IAM over TLS
 * with the caller's AWS credentials; `--param name=value` for parameters not in serverless.yml).
 *   list    [--topic T.dlq] [--source T] [--error ClassOrCondition] [--since ISO] [--until ISO]
 *   show    <dlqTopic>/<partition>/<offset>
 *   redrive [the list filters] [--dry-run] [--every-copy]: one copy per source record unless --every-copy
 */

import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  dynamoDbConfig,
  IDEMPOTENCY_TABLE_VARIABLE,
  IdempotencyStore,
  kafkaConfig,
  tableName,
} from '@msk-patterns/pipeline';
import { runCli, UsageError } from '../cli.js';
import { loadServerlessConfig } from '../infra/serverless-config.js';
import { STAGE_OPTIONS, stageEnvironment } from '../stage.js';
import {
  type DeadLetter,
  type DeadLetterFilter,
  RedriveRefusedError,
  readDeadLetters,
  redrive,
} from './dead-letters.js';
import { type CommittedOutbox, committedOutboxes, consumerMarkerKeys } from './outboxes.js';
import { printable } from './printable.js';

/**
 * Which letters' records hold a committed outbox, read from the stage's idempotency table (or
 * DynamoDB Local's, DYNAMODB_ENDPOINT); `undefined` when no table can be reached from here.
 */
async function outboxesOf(
  letters: readonly DeadLetter[],
  env: NodeJS.ProcessEnv | undefined,
): Promise<Map<string, CommittedOutbox> | undefined> {
  if (!env) return undefined;
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbConfig(env)));
  try {
    const store = new IdempotencyStore(client, tableName(IDEMPOTENCY_TABLE_VARIABLE, env));
    const consumers = await consumerMarkerKeys(loadServerlessConfig().functions);
    return await committedOutboxes(letters, consumers, store);
  } finally {
    client.destroy();
  }
}

/** JSON escapes C0 controls itself; C1 and bidirectional controls it leaves as they are. */
const printableLines = (text: string) => text.split('\n').map(printable).join('\n');

function outboxNote(outbox: CommittedOutbox | undefined): string {
  if (!outbox) return '';
  return outbox.republished
    ? `  [committed outbox of ${outbox.messages} already republished]`
    : `  [committed outbox: a redrive publishes its ${outbox.messages} stored message(s)]`;
}

const USAGE =
  'usage: msk-dlq list|show <id>|redrive [--topic T.dlq] [--source T] [--error E] [--since ISO] [--until ISO] [--dry-run] [--every-copy] [--stage S [--param name=value]]';

function usage(message: string): never {
  throw new UsageError(`${message}\n${USAGE}`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      topic: { type: 'string', multiple: true },
      source: { type: 'string' },
      error: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'every-copy': { type: 'boolean' },
      ...STAGE_OPTIONS,
    },
  });
  const [command, id] = positionals;
  let brokers: ReturnType<typeof kafkaConfig>;
  /** where the idempotency table is, when it can be read from here */
  let tables: NodeJS.ProcessEnv | undefined;
  if (values.stage) {
    tables = stageEnvironment(values.stage, values.param);
    brokers = kafkaConfig(tables, { credentials: defaultProvider(), clientId: 'msk-dlq' });
  } else {
    if (!process.env.KAFKA_BROKERS)
      usage('KAFKA_BROKERS is not set: give the local broker (host:port,…), or --stage');
    brokers = kafkaConfig(
      { KAFKA_AUTH: 'none', ...process.env },
      { credentials: defaultProvider(), clientId: 'msk-dlq' },
    );
    if (process.env.DYNAMODB_ENDPOINT) tables = { ...stageEnvironment('dev'), ...process.env };
  }
  const date = (text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const parsed = new Date(text);
    if (Number.isNaN(parsed.getTime())) usage(`--${name} ${text} is not a date`);
    return parsed;
  };
  const filter: DeadLetterFilter = {};
  if (values.topic) filter.topics = values.topic;
  if (values.source) filter.source = values.source;
  if (values.error) filter.error = values.error;
  const since = date(values.since, 'since');
  const until = date(values.until, 'until');
  if (since) filter.since = since;
  if (until) filter.until = until;

  if (command === 'list') {
    const letters = await readDeadLetters(brokers, filter);
    const outboxes = await outboxesOf(letters, tables);
    for (const letter of letters) {
      const from = letter.original ? `${letter.original.partitionKey}@${letter.original.offset}` : '?';
      process.stdout.write(
        `${printable(`${letter.id}  ${letter.timestamp}  from ${from}  by ${letter.functionName}  key=${letter.original?.key ?? ''}  ${letter.errorClass}: ${letter.errorMessage}`)}${letter.payloadOmitted ? `  [value left out: ${letter.payloadOmitted}]` : ''}${outboxNote(outboxes?.get(letter.id))}\n`,
      );
    }
    process.stdout.write(
      `${letters.length} dead letters${outboxes ? '' : ' (committed outboxes not checked: set DYNAMODB_ENDPOINT to DynamoDB Local, or give --stage)'}\n`,
    );
  } else if (command === 'show') {
    if (!id) usage('show needs an id <dlqTopic>/<partition>/<offset>');
    const [topic = ''] = id.split('/');
    const letter = (await readDeadLetters(brokers, { topics: [topic] })).find(
      (candidate) => candidate.id === id,
    );
    if (!letter) usage(`no dead letter ${id}`);
    const { original } = letter;
    const outbox = (await outboxesOf([letter], tables))?.get(letter.id);
    process.stdout.write(
      `${printableLines(
        JSON.stringify(
          {
            id: letter.id,
            condition: letter.condition,
            error: { class: letter.errorClass, message: letter.errorMessage },
            function: letter.functionName,
            deadLetteredAt: letter.timestamp,
            ...(letter.payloadOmitted ? { valueLeftOut: letter.payloadOmitted } : {}),
            ...(outbox ? { committedOutbox: outbox } : {}),
            original: original && {
              topic: original.topic,
              partition: original.partition,
              offset: original.offset,
              key: original.key,
              headers: original.headers,
              value: original.value?.toString('utf8'),
            },
          },
          null,
          2,
        ),
      )}\n`,
    );
  } else if (command === 'redrive') {
    const letters = await readDeadLetters(brokers, filter);
    const count = await redrive(brokers, letters, {
      dryRun: values['dry-run'] ?? false,
      everyCopy: values['every-copy'] ?? false,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${values['dry-run'] ? 'would redrive' : 'redrove'} ${count} dead letters\n`);
  } else {
    usage(`unknown command ${command ?? '(none)'}`);
  }
}

runCli(main, [RedriveRefusedError]);
