import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Kafka API keys whose responses name brokers, and so must name the proxy instead. */
const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;

export interface BrokerProxyCounts {
  /** open connections cut */
  drops: number;
  /** connections refused while the broker was "down" */
  refusals: number;
}

export interface BrokerProxy {
  address: string;
  counts: BrokerProxyCounts;
  /** cut every open connection now, and refuse new ones for `ms` */
  outage(ms: number): void;
  close(): Promise<void>;
}

/** Kafka frames: a 4-byte size, then the message. Calls `onFrame` with each whole frame. */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

function kafkaString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

/**
 * Rewrite the broker addresses of a Metadata (v1–v8, non-flexible) or FindCoordinator (v0–v2)
 * response to the proxy's. Other responses and versions pass unchanged.
 */
function rewrite(frame: Buffer, apiKey: number, apiVersion: number, host: string, port: number): Buffer {
  let at = 8; // size, correlation id
  const parts: Buffer[] = [];
  const take = (until: number) => {
    parts.push(frame.subarray(at, until));
    at = until;
  };
  const skipString = () => {
    const length = frame.readInt16BE(at);
    at += 2 + Math.max(0, length);
  };
  const replaceHostPort = () => {
    skipString();
    at += 4;
    parts.push(kafkaString(host), int32(port));
  };
  if (apiKey === API_METADATA && apiVersion >= 1 && apiVersion <= 8) {
    if (apiVersion >= 3) take(at + 4); // throttle_time_ms
    const brokers = frame.readInt32BE(at);
    take(at + 4);
    for (let index = 0; index < brokers; index++) {
      take(at + 4); // node_id
      replaceHostPort();
      const rackStart = at;
      skipString(); // rack (nullable)
      parts.push(frame.subarray(rackStart, at));
    }
  } else if (apiKey === API_FIND_COORDINATOR && apiVersion <= 2) {
    const start = at;
    if (apiVersion >= 1) at += 4; // throttle_time_ms
    at += 2; // error_code
    if (apiVersion >= 1) skipString(); // error_message (nullable)
    at += 4; // node_id
    parts.push(frame.subarray(start, at));
    replaceHostPort();
  } else {
    return frame;
  }
  parts.push(frame.subarray(at));
  const body = Buffer.concat([frame.subarray(4, 8), ...parts]);
  return Buffer.concat([int32(body.length), body]);
}

/**
 * A loopback proxy in front of one Kafka broker for the chaos run: clients that bootstrap through it
 * stay on it (the broker addresses in Metadata and FindCoordinator answers name the proxy), so an
 * outage cuts every connection of theirs and refuses new ones, as a broker restart or a network
 * partition does. The bytes in between pass unchanged.
 */
export async function startBrokerProxy(upstream: string): Promise<BrokerProxy> {
  const [upstreamHost = '127.0.0.1', upstreamPort = '9092'] = upstream.split(':');
  const counts: BrokerProxyCounts = { drops: 0, refusals: 0 };
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let downUntil = 0;
  let port = 0;
  const server: Server = createServer((client) => {
    if (Date.now() < downUntil) {
      counts.refusals++;
      client.destroy();
      return;
    }
    const broker = createConnection({ host: upstreamHost, port: Number(upstreamPort) });
    clients.add(client);
    sockets.add(client);
    sockets.add(broker);
    const requests = new Map<number, { apiKey: number; apiVersion: number }>();
    client.on(
      'data',
      frames((frame) => {
        requests.set(frame.readInt32BE(8), {
          apiKey: frame.readInt16BE(4),
          apiVersion: frame.readInt16BE(6),
        });
        broker.write(frame);
      }),
    );
    broker.on(
      'data',
      frames((frame) => {
        const correlationId = frame.readInt32BE(4);
        const request = requests.get(correlationId);
        requests.delete(correlationId);
        client.write(request ? rewrite(frame, request.apiKey, request.apiVersion, '127.0.0.1', port) : frame);
      }),
    );
    const close = () => {
      client.destroy();
      broker.destroy();
      clients.delete(client);
      sockets.delete(client);
      sockets.delete(broker);
    };
    client.on('close', close).on('error', close);
    broker.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    counts,
    outage(ms) {
      downUntil = Date.now() + ms;
      counts.drops += clients.size;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      clients.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
