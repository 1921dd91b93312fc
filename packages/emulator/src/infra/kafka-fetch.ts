#!/usr/bin/env node
/**
 * `msk-kafka-fetch`: resolve the local broker's jars now (Maven, from Maven Central) instead of at
 * the first `npm start` or `npm test`; prints where they are. Run it once before going offline.
 */
import { runCli } from '../cli.js';
import { InfrastructureError } from './errors.js';
import { resolveKafkaDistribution } from './kafka-distribution.js';

runCli(async () => {
  const started = performance.now();
  const distribution = await resolveKafkaDistribution({ onFetch: (message) => console.error(message) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Apache Kafka ${distribution.version}: ${distribution.libs} (${distribution.fetched ? `fetched in ${seconds} s` : 'already cached'})`,
  );
}, [InfrastructureError]);
