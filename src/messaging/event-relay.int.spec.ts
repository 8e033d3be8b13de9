import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService } from '../../test/support/services';
import { EventStore } from '../event-store/event-store.port';
import { coordinationOf, openEventStore } from '../event-store/open-event-store';
import { Lease } from '../shared/lease';
import { fromMessage, LogMessage } from './event-log-topic';
import { EventRelay } from './event-relay';
import { KafkaMessageLog } from './kafka.message-log';

const until = async (check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(check()).toBe(true);
};

describeWithService('KAFKA_BROKERS', 'event relay to a real Kafka broker', (brokers) => {
  let store: EventStore;
  let log: KafkaMessageLog;
  const received: LogMessage[] = [];
  const relays: EventRelay[] = [];

  const relay = (holder: string) => {
    const coordination = coordinationOf(store);
    const lease = new Lease(coordination.leases, 'event-relay', holder, 1_500);
    const made = new EventRelay(store, coordination, log, lease, 'test-relay', { electMs: 200 });
    relays.push(made);
    return made;
  };
  const append = (stream: string, count: number) =>
    store.append(
      stream,
      Array.from({ length: count }, (_, i) => ({
        id: randomUUID(),
        type: 'Happened',
        data: { i },
        metadata: { correlationId: `corr-${stream}` },
      })),
      'any',
    );

  beforeAll(async () => {
    store = await openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'relay-')) });
    log = new KafkaMessageLog(brokers.split(','), 'relay-test', `relay-test-${randomUUID()}`);
    await log.prepare();
    await log.consume(`relay-test-${randomUUID()}`, async (messages) => {
      received.push(...messages);
    });
  }, 60_000);
  afterAll(async () => {
    for (const r of relays) await r.stop();
    await log.close();
    await store.close();
  });

  it('publishes every event in log order with its headers, and one relay takes over when the other dies', async () => {
    const a = relay('relay-a');
    const b = relay('relay-b');
    await a.start();
    await b.start();
    expect([a.isPublishing, b.isPublishing]).toEqual([true, false]);
    for (let i = 0; i < 20; i++) await append(`S-${i % 4}`, 5);
    await until(() => received.length >= 100);

    await a.stop(false); // dies holding the lease: b must take over once it expires
    for (let i = 0; i < 10; i++) await append(`S-${i % 4}`, 5);
    await until(() => b.isPublishing && received.length >= 150);

    const events = received.map(fromMessage);
    const positions = events.map((e) => e.position);
    // At least once and in order: every position, ascending; a re-publish after takeover only repeats a suffix.
    const distinct = [...new Set(positions)];
    expect(distinct).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    for (let i = 1; i < positions.length; i++) {
      if (positions[i] <= positions[i - 1]) expect(positions.slice(i).every((p) => p <= 150)).toBe(true);
    }
    const first = received[0];
    expect(first.key).toBe('S-0');
    expect(first.headers).toMatchObject({
      'event-type': 'Happened',
      'stream-revision': '0',
      'global-position': '1',
      'correlation-id': 'corr-S-0',
      'log-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(new Set(received.map((m) => m.headers['log-id'])).size).toBe(1);
    for (const stream of ['S-0', 'S-1', 'S-2', 'S-3']) {
      const revisions = [...new Set(events.filter((e) => e.streamId === stream).map((e) => e.revision))];
      expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, i) => i));
    }
    expect(await b.checkpoint()).toBe(150);
  }, 60_000);
});
