/**
 * `npm run saga -- <orderId>`: print an order's saga — its state, why, and every transition. Reads the
 * DynamoDB given by DYNAMODB_ENDPOINT (a running `npm start` prints it) or, with AWS credentials and
 * no endpoint, the deployed table of the stage (`--stage`, default dev).
 */
import { parseArgs } from 'node:util';
import { sagaStore } from '../functions/saga/store.js';
import { runCli, UsageError } from './cli.js';
import { loadServerlessConfig } from './infra/serverless-config.js';
import { formatSaga } from './saga-report.js';

runCli(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stage: { type: 'string', default: 'dev' } },
  });
  const [orderId] = positionals;
  if (!orderId) throw new UsageError('usage: npm run saga -- <orderId> [--stage dev]');
  process.env.SAGAS_TABLE ??= loadServerlessConfig({ stage: values.stage }).provider.environment?.SAGAS_TABLE;
  const store = sagaStore();
  const [saga, timeline] = await Promise.all([store.get(orderId), store.timeline(orderId)]);
  if (!saga) {
    console.error(`no saga for order ${orderId}`);
    return 1;
  }
  console.log(formatSaga(saga, timeline));
  return 0;
});
