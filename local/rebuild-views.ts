/**
 * `npm run rebuild-views`: replay the event store into a fresh generation of the order views and
 * switch to it when complete. Works on the DynamoDB given by DYNAMODB_ENDPOINT (a running `npm start`)
 * or, with AWS credentials and no endpoint, on the deployed tables of the stage (`--stage`, default dev).
 */

import { parseArgs } from 'node:util';
import { loadServerlessConfig, runCli } from '@msk-patterns/emulator';
import { createServiceContext } from '@msk-patterns/pipeline';
import { orderEventStore, orderViews } from '../functions/orders/stores.js';
import { TABLE_VARIABLES } from '../lib/deploy/tables.js';
import { rebuildOrderViews } from '../lib/store/rebuild-views.js';

runCli(async () => {
  const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' } } });
  const service = createServiceContext({
    environment: {
      ...loadServerlessConfig({ stage: values.stage }).provider.environment,
      ...process.env,
    },
  });

  const result = await rebuildOrderViews({
    client: service.documentClient,
    eventStoreTable: service.tableName(TABLE_VARIABLES.eventStore),
    store: orderEventStore(service),
    views: orderViews(service),
    log: (line) => console.log(line),
  });
  console.log(`rebuilt ${result.orders} order views into generation ${result.generation}`);
});
