/**
 * `npm run saga -- <orderId>`: print an order's saga — its state, why, and every transition. Reads the
 * DynamoDB given by DYNAMODB_ENDPOINT (a running `npm start` prints it) or, with `--stage <name>`, the
 * deployed table of that stage with the caller's AWS credentials.
 */
import { parseArgs } from 'node:util';
import { runCli, STAGE_OPTIONS, stageEnvironment, UsageError } from '@msk-patterns/emulator';
import { createServiceContext } from '@msk-patterns/pipeline';
import { sagaStore } from '../functions/saga/store.js';
import { formatSaga } from './saga-report.js';

runCli(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: STAGE_OPTIONS,
  });
  const [orderId] = positionals;
  if (!orderId) throw new UsageError('usage: npm run saga -- <orderId> [--stage S [--param name=value]]');
  if (!values.stage && !process.env.DYNAMODB_ENDPOINT)
    throw new UsageError(
      'DYNAMODB_ENDPOINT is not set: run `npm start` and use the address it prints, or give --stage',
    );
  const environment = values.stage
    ? { ...process.env, ...stageEnvironment(values.stage, values.param) }
    : { ...stageEnvironment('dev'), ...process.env };
  const store = sagaStore(createServiceContext({ environment }));
  const [saga, timeline] = await Promise.all([store.get(orderId), store.timeline(orderId)]);
  if (!saga) {
    console.error(`no saga for order ${orderId}`);
    return 1;
  }
  console.log(formatSaga(saga, timeline));
  return 0;
});
