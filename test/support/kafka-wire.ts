import net from 'node:net';

/**
 * The Kafka requests a process sends, read off its sockets: what the IAM simulation authorizes is
 * what went over the wire, not what the code says it does. Requests are decoded from the Kafka
 * protocol (https://kafka.apache.org/protocol#protocol_messages) at the versions kafkajs speaks (none
 * of them flexible), as far as the names an authorizer looks at: topics, groups, transactional id.
 */
export interface KafkaRequest {
  clientId: string;
  api: string;
  version: number;
  topics: string[];
  groups: string[];
  /** InitProducerId's transactional id: null for an idempotent producer */
  transactionalId: string | null;
  /** the first request on its connection: the client connected (and, on MSK, authenticated) */
  opensConnection: boolean;
}

class Reader {
  #at = 0;
  constructor(readonly bytes: Buffer) {}
  int8 = () => this.#take(1, () => this.bytes.readInt8(this.#at));
  int16 = () => this.#take(2, () => this.bytes.readInt16BE(this.#at));
  int32 = () => this.#take(4, () => this.bytes.readInt32BE(this.#at));
  int64 = () => this.#take(8, () => Number(this.bytes.readBigInt64BE(this.#at)));
  string = (): string => this.nullableString() ?? '';
  nullableString = (): string | null => {
    const length = this.int16();
    return length < 0
      ? null
      : this.#take(length, () => this.bytes.toString('utf8', this.#at, this.#at + length));
  };
  bytesField = () => {
    const length = this.int32();
    if (length > 0) this.#take(length, () => 0);
  };
  array = <T>(item: () => T): T[] => this.nullableArray(item) ?? [];
  nullableArray = <T>(item: () => T): T[] | null => {
    const count = this.int32();
    return count < 0 ? null : Array.from({ length: count }, item);
  };
  #take<T>(size: number, read: () => T): T {
    const value = read();
    this.#at += size;
    return value;
  }
}

type Decoded = Pick<KafkaRequest, 'topics' | 'groups' | 'transactionalId'>;
const nothing: Decoded = { topics: [], groups: [], transactionalId: null };
const groupFirst = (reader: Reader): Decoded => ({ ...nothing, groups: [reader.string()] });

/** The request bodies an authorizer reads, by API key: [name, lowest and highest version decoded, decoder]. */
const DECODERS: Record<number, [string, number, number, (reader: Reader, version: number) => Decoded]> = {
  0: [
    'Produce',
    3,
    7,
    (reader) => {
      const transactionalId = reader.nullableString();
      reader.int16();
      reader.int32();
      const topics = reader.array(() => {
        const name = reader.string();
        reader.array(() => [reader.int32(), reader.bytesField()]);
        return name;
      });
      return { topics, groups: [], transactionalId };
    },
  ],
  1: [
    'Fetch',
    4,
    11,
    (reader, version) => {
      reader.int32();
      reader.int32();
      reader.int32();
      reader.int32();
      reader.int8();
      if (version >= 7) {
        reader.int32();
        reader.int32();
      }
      const topics = reader.array(() => {
        const name = reader.string();
        reader.array(() => {
          reader.int32();
          if (version >= 9) reader.int32();
          reader.int64();
          if (version >= 5) reader.int64();
          return reader.int32();
        });
        return name;
      });
      return { ...nothing, topics };
    },
  ],
  2: [
    'ListOffsets',
    1,
    3,
    (reader, version) => {
      reader.int32();
      if (version >= 2) reader.int8();
      const topics = reader.array(() => {
        const name = reader.string();
        reader.array(() => [reader.int32(), reader.int64()]);
        return name;
      });
      return { ...nothing, topics };
    },
  ],
  // A null list asks for every topic: Kafka answers with those the client may describe, refusing none.
  3: ['Metadata', 1, 6, (reader) => ({ ...nothing, topics: reader.nullableArray(reader.string) ?? [] })],
  8: [
    'OffsetCommit',
    2,
    5,
    (reader, version) => {
      const group = reader.string();
      reader.int32();
      reader.string();
      if (version <= 4) reader.int64();
      const topics = reader.array(() => {
        const name = reader.string();
        reader.array(() => [reader.int32(), reader.int64(), reader.nullableString()]);
        return name;
      });
      return { ...nothing, groups: [group], topics };
    },
  ],
  9: [
    'OffsetFetch',
    1,
    4,
    (reader) => {
      const group = reader.string();
      const topics =
        reader.nullableArray(() => {
          const name = reader.string();
          reader.array(reader.int32);
          return name;
        }) ?? [];
      return { ...nothing, groups: [group], topics };
    },
  ],
  10: [
    'FindCoordinator',
    1,
    2,
    (reader) => {
      const key = reader.string();
      return reader.int8() === 0 ? { ...nothing, groups: [key] } : { ...nothing, transactionalId: key };
    },
  ],
  11: ['JoinGroup', 0, 5, groupFirst],
  12: ['Heartbeat', 0, 3, groupFirst],
  13: ['LeaveGroup', 0, 3, groupFirst],
  14: ['SyncGroup', 0, 3, groupFirst],
  15: ['DescribeGroups', 0, 2, (reader) => ({ ...nothing, groups: reader.array(reader.string) })],
  17: ['SaslHandshake', 0, 1, () => nothing],
  18: ['ApiVersions', 0, 2, () => nothing],
  22: ['InitProducerId', 0, 1, (reader) => ({ ...nothing, transactionalId: reader.nullableString() })],
  36: ['SaslAuthenticate', 0, 1, () => nothing],
};

/** One request frame (without its size prefix) → what it asks for; an API or version not decoded says so. */
export function decodeKafkaRequest(frame: Buffer, opensConnection: boolean): KafkaRequest {
  const reader = new Reader(frame);
  const apiKey = reader.int16();
  const version = reader.int16();
  reader.int32();
  const clientId = reader.nullableString() ?? '';
  const decoder = DECODERS[apiKey];
  if (!decoder || version < decoder[1] || version > decoder[2])
    return { ...nothing, clientId, api: `ApiKey${apiKey}v${version}`, version, opensConnection };
  const [api, , , decode] = decoder;
  return { ...decode(reader, version), clientId, api, version, opensConnection };
}

/**
 * Record every Kafka request this process writes to a socket whose remote port is one of `ports`
 * (kafkajs writes one whole request per `write`; frames are reassembled anyway). Returns the undo.
 */
export function recordKafkaRequests(ports: ReadonlySet<number>, onRequest: (request: KafkaRequest) => void) {
  const write = net.Socket.prototype.write;
  const pending = new WeakMap<net.Socket, Buffer>();
  const seen = new WeakSet<net.Socket>();
  function recordingWrite(this: net.Socket, ...args: unknown[]): boolean {
    const [chunk] = args;
    if (ports.has(this.remotePort ?? -1) && Buffer.isBuffer(chunk)) {
      let buffered = Buffer.concat([pending.get(this) ?? Buffer.alloc(0), chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        onRequest(decodeKafkaRequest(buffered.subarray(4, 4 + size), !seen.has(this)));
        seen.add(this);
        buffered = buffered.subarray(4 + size);
      }
      pending.set(this, buffered);
    }
    return Reflect.apply(write, this, args);
  }
  // The patch is the recorder: kafkajs takes its sockets from node:net, and nothing else is shared.
  Reflect.set(net.Socket.prototype, 'write', recordingWrite);
  return () => {
    net.Socket.prototype.write = write;
  };
}
