/**
 * `npm run rebuild-views`: replay the event store into a fresh generation of the order views and
 * switch to it when complete. Works on the DynamoDB given by DYNAMODB_ENDPOINT (a running `npm start`)
 * or, with AWS credentials and no endpoint, on the deployed tables of the stage (`--stage`, default dev).
 */

import { parseArgs } from 'node:util';
import { loadServerlessConfig, runCli } from '@msk-patterns/emulator';
import { getDocumentClient } from '@msk-patterns/pipeline';
import { orderEventStore, orderViews } from '../functions/orders/stores.js';
import { rebuildOrderViews } from '../lib/store/rebuild-views.js';

runCli(async () => {
  const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' } } });
  const environment = loadServerlessConfig({ stage: values.stage }).provider.environment ?? {};
  for (const name of ['EVENT_STORE_TABLE', 'ORDER_VIEWS_TABLE']) process.env[name] ??= environment[name];

  const result = await rebuildOrderViews({
    client: getDocumentClient(),
    eventStoreTable: process.env.EVENT_STORE_TABLE as string,
    store: orderEventStore(),
    views: orderViews(),
    log: (line) => console.log(line),
  });
  console.log(`rebuilt ${result.orders} order views into generation ${result.generation}`);
});
