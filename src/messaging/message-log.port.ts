import type { LogMessage } from './event-log-topic';

/**
 * Our own small interface over the broker client (kafkajs is no longer
 * maintained; swapping it touches one adapter). An ordered, durable log of
 * messages: append is acknowledged only once every in-sync replica has it.
 */
export interface MessageLog {
  /** Appends in order; resolves once the broker acknowledged all of them (acks=all). */
  append(messages: readonly LogMessage[]): Promise<void>;
  /**
   * Delivers messages in log order to `group`, committing a batch only after
   * `onBatch` resolved; a batch that throws is delivered again.
   */
  consume(group: string, onBatch: (messages: readonly LogMessage[]) => Promise<void>): Promise<LogConsumer>;
  /** Per group: messages in the log that the group has not committed yet (Kafka's consumer lag). */
  consumerLag(groups: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export type LogConsumer = {
  /** Resolves once the consumer has joined its group and asks the log for messages: from then on, it receives. */
  readonly fetching: Promise<void>;
  stop(): Promise<void>;
};
