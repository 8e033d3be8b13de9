import { Admin, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { EVENT_LOG_TOPIC, LogMessage } from './event-log-topic';
import { LogConsumer, MessageLog } from './message-log.port';

/**
 * Kafka refuses a record batch over 1 MB by default. A ConcertCreated event
 * lists every seat (20,000 seats is about 1.6 MB, 100,000 about 8 MB), and
 * the relay sends a page of events as one batch, so the topic takes more.
 */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The event log on Kafka through kafkajs: idempotent producer, acks=all, one partition, offsets committed after the write. */
export class KafkaMessageLog implements MessageLog {
  private readonly kafka: Kafka;
  private producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly consumers: LogConsumer[] = [];
  private admin: Admin | undefined;

  constructor(
    brokers: readonly string[],
    clientId: string,
    private readonly topic = EVENT_LOG_TOPIC,
  ) {
    this.kafka = new Kafka({
      clientId,
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 2_000 },
    });
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    // One request in flight with idempotence: retries can neither duplicate nor reorder a batch.
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The one partition makes the choice moot; naming it silences kafkajs's partitioner-change warning.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Creates the topic (one partition, see event-log-topic.ts) if it is missing. */
  async prepare(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.topic)) {
        await admin.createTopics({
          topics: [
            {
              topic: this.topic,
              numPartitions: 1,
              configEntries: [{ name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) }],
            },
          ],
          waitForLeaders: true,
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async append(messages: readonly LogMessage[]): Promise<void> {
    if (!messages.length) return;
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
      });
    } catch (error) {
      // A broker that died and came back may no longer know this producer's id and sequence numbers, and
      // kafkajs does not start over on its own: the next attempt gets a new producer (the relay resends
      // from its checkpoint, so nothing is lost; consumers skip the repeats by position).
      const failed = this.producer;
      this.producer = this.newProducer();
      this.connected = undefined;
      await failed.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async consume(group: string, onBatch: (messages: readonly LogMessage[]) => Promise<void>): Promise<LogConsumer> {
    const consumer = this.kafka.consumer({ groupId: group, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const fetching = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.FETCH_START, () => {
        off();
        resolve();
      });
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (!batch.messages.length) return;
        await onBatch(
          batch.messages.map((m) => ({
            key: m.key?.toString() ?? '',
            value: m.value?.toString() ?? '',
            headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
          })),
        );
        // Committed only after the batch's write: a crash before it re-delivers, never skips.
        resolveOffset(batch.lastOffset());
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      },
    });
    const handle = { fetching, stop: () => consumer.disconnect() };
    this.consumers.push(handle);
    return handle;
  }

  async consumerLag(groups: readonly string[]): Promise<Map<string, number>> {
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    const [end] = await this.admin.fetchTopicOffsets(this.topic);
    const lag = new Map<string, number>();
    for (const groupId of groups) {
      const [committed] = await this.admin.fetchOffsets({ groupId, topics: [this.topic] });
      const offset = Number(committed?.partitions[0]?.offset ?? -1);
      // A group that has committed nothing yet has the whole retained log ahead of it.
      lag.set(groupId, Number(end.high) - (offset < 0 ? Number(end.low) : offset));
    }
    return lag;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    await Promise.all(this.consumers.map((c) => c.stop().catch(() => undefined)));
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
  }
}
