/**
 * Hosts librdkafka's mock cluster (docs/local-infrastructure.md) in its own process: librdkafka starts
 * the cluster inside any client configured with `test.mock.num.brokers`, on a free loopback port.
 * Prints `{"brokers":[...]}` once the cluster serves; ends when stdin closes (the parent is gone) or
 * on SIGTERM.
 */
import rdkafka from 'node-rdkafka';

// `test.mock.num.brokers` is one of librdkafka's hidden test properties, absent from node-rdkafka's
// typed configuration. `bootstrap.servers` is replaced by the mock's address but must be set.
const mockCluster = { 'test.mock.num.brokers': 1, 'bootstrap.servers': '127.0.0.1:1' };
const host = new rdkafka.Producer(mockCluster);

function stop(): void {
  host.disconnect(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}

host.connect({ timeout: 10_000 }, (error, metadata) => {
  if (error) {
    process.stderr.write(`mock cluster did not start: ${error.message}\n`);
    process.exit(1);
  }
  const brokers = metadata.brokers.map((broker) => `${broker.host}:${broker.port}`);
  process.stdout.write(`${JSON.stringify({ brokers })}\n`);
  process.stdin.on('end', stop).resume();
});

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
