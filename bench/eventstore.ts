/**
 * `npm run bench -- eventstore`: on DynamoDB Local, append 1,000 events to one stream (one
 * conditional transaction per event, as the command handler does) and time loading the stream
 * without snapshots (the baseline: full replay) and with a snapshot every 100 events: first with the
 * head at a snapshot (the best case, nothing after it to replay), then after 99 more events (the worst
 * case: the head as far past its snapshot as it gets).
 */

import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { containerContext } from '@msk-patterns/pipeline';
import { TABLE_VARIABLES } from '../lib/deploy/tables.js';
import { EventStore } from '../lib/store/event-store.js';
import { startServiceInfrastructure } from '../local/service.js';

const EVENTS = 1_000;
const LOADS = 30;
/** Events after the last snapshot in the worst case: one short of the next. */
const PAST_SNAPSHOT = 99;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeLoads(load: () => Promise<unknown>): Promise<number> {
  for (let warmup = 0; warmup < 5; warmup++) await load();
  const times: number[] = [];
  for (let round = 0; round < LOADS; round++) {
    const started = performance.now();
    await load();
    times.push(performance.now() - started);
  }
  return median(times);
}

export async function main(): Promise<void> {
  const infrastructure = await startServiceInfrastructure();
  Object.assign(process.env, infrastructure.functionEnvironment);
  try {
    const service = containerContext();
    const client = service.documentClient;
    const table = service.tableName(TABLE_VARIABLES.eventStore);
    const store = new EventStore<number>(client, table, { snapshotEvery: 100, stateVersion: 1 });
    const streamId = `bench-${Date.now()}`;
    const append = async (from: number, to: number) => {
      for (let version = from; version <= to; version++) {
        const event = {
          eventId: `e${version}`,
          type: 'ItemAdded',
          schemaVersion: 1,
          data: { sku: `sku-${version % 17}`, quantity: 1, unitPrice: 1250 },
          occurredAt: new Date().toISOString(),
          correlationId: 'bench',
          causationId: null,
        };
        await client.send(
          new TransactWriteCommand({
            TransactItems: store.appendItems(streamId, version - 1, [event], () => version),
          }),
        );
      }
    };
    const started = performance.now();
    await append(1, EVENTS);
    const appendSeconds = (performance.now() - started) / 1000;
    const full = await timeLoads(() => store.load(streamId, { fromStart: true }));
    const atSnapshot = await timeLoads(() => store.load(streamId));
    await append(EVENTS + 1, EVENTS + PAST_SNAPSHOT);
    const fullPast = await timeLoads(() => store.load(streamId, { fromStart: true }));
    const pastSnapshot = await timeLoads(() => store.load(streamId));
    console.log(
      `appended ${EVENTS} events in ${appendSeconds.toFixed(2)} s (sequential, one transaction each)`,
    );
    console.log(`eventstore append_events_per_s=${(EVENTS / appendSeconds).toFixed(2)}`);
    console.log(
      `eventstore load_ms_${EVENTS}_events without_snapshots=${full.toFixed(2)} head_at_a_snapshot=${atSnapshot.toFixed(2)}`,
    );
    console.log(
      `eventstore load_ms_${EVENTS + PAST_SNAPSHOT}_events without_snapshots=${fullPast.toFixed(2)} head_${PAST_SNAPSHOT}_past_a_snapshot=${pastSnapshot.toFixed(2)}`,
    );
  } finally {
    await infrastructure.stop();
  }
}
