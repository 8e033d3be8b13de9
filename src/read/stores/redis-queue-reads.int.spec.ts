import { randomUUID } from 'node:crypto';
import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';
import type Redis from 'ioredis';
import { describeWithService } from '../../../test/support/services';
import { RecordedEvent } from '../../event-store/event-store.port';
import { InMemorySink } from '../../projections/in-memory.sink';
import { ProjectionSink } from '../../projections/projection-sink';
import { createRedisClient, whenReady } from '../../projections/redis/redis-client';
import { RedisQueueSink } from '../../projections/redis/redis-queue.sink';
import { MINUTE, SECOND, T0, mulberry32 } from '../../shared/given-when-then';
import { InMemoryQueueReads } from './in-memory.reads';
import { QueueLog, queueReadsContract } from './queue-reads.contract';
import { QueueReads } from './read-store.port';
import { RedisQueueReads } from './redis-queue.reads';

const uniquePrefix = () => `test:queue-reads:${randomUUID()}:`;

/**
 * A realistic log: entries join three concerts, admissions take the first
 * waiting ones (FIFO, as the admission decider does), some admitted entries
 * complete, time passes in jumps, and most events are of other types. A few
 * entries complete while still waiting, which the write side never does, to
 * hold the two stores to the same answers there too.
 */
function randomLog(
  seed: number,
  length: number,
  ids: 'names' | 'uuids' = 'names',
): { events: RecordedEvent[]; entries: [string, string][] } {
  const random = mulberry32(seed);
  // As the service makes them (the in-memory model keeps those as 128 bits), or any other string.
  const uuid = () =>
    Array.from({ length: 32 }, (_, i) => (i === 12 ? '4' : Math.floor(random() * 16).toString(16)))
      .join('')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  const users = Array.from({ length: 40 }, uuid);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const log = new QueueLog();
  const concerts = ['c1', 'c2', 'c3'];
  const waiting = new Map(concerts.map((c) => [c, [] as string[]]));
  const admitted: [string, string][] = [];
  const entries: [string, string][] = [];
  for (let i = 0; i < length; i += 1) {
    const concertId = pick(concerts);
    const queue = waiting.get(concertId)!;
    const roll = random();
    if (roll < 0.35) {
      const entryId = ids === 'uuids' ? uuid() : `e${entries.length + 1}`;
      entries.push([concertId, entryId]);
      queue.push(entryId);
      // With UUIDs, users come back (in other concerts, or after their entry ended).
      log.join(concertId, entryId, ids === 'uuids' ? pick(users) : undefined);
    } else if (roll < 0.5 && queue.length > 0) {
      const ids = queue.splice(0, 1 + Math.floor(random() * 4));
      ids.forEach((id) => admitted.push([concertId, id]));
      log.admit(concertId, ids, log.time + Math.floor(random() * 3 * MINUTE));
    } else if (roll < 0.55 && queue.length > 1) {
      log.complete(concertId, queue[queue.length - 2]);
    } else if (roll < 0.62 && admitted.length > 0) {
      const [c, id] = admitted.splice(Math.floor(random() * admitted.length), 1)[0];
      log.complete(c, id);
    } else if (roll < 0.75) {
      log.wait(Math.floor(random() * 40 * SECOND));
    } else {
      log.other(pick(['SeatsHeld', 'PaymentRequested', 'QueueEntryViewed']), concertId, `e${i}`);
    }
  }
  return { events: log.events, entries };
}

async function snapshot(reads: QueueReads, entries: readonly [string, string][], times: readonly number[]) {
  const queries = entries.flatMap(([c, e]) => times.map((now) => [c, e, now] as const));
  queries.push(['c1', 'nobody', T0], ['c9', 'e1', T0]);
  return Promise.all(queries.map(([c, e, now]) => reads.entry(c, e, now)));
}

/** A TCP proxy to Redis that can be cut and restored, to see the client fail fast and come back by itself. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

describeWithService('REDIS_URL', 'Redis queue read model', (url) => {
  let redis: Redis;
  let secondInstance: Redis;

  beforeAll(async () => {
    redis = createRedisClient(url);
    secondInstance = createRedisClient(url);
    await Promise.all([whenReady(redis), whenReady(secondInstance)]);
  });

  afterAll(async () => {
    await Promise.all([redis.quit(), secondInstance.quit()]);
  });

  // Every prefix a test opens is reset after it, even when the test fails half-way.
  const opened: RedisQueueSink[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((sink) => sink.reset()));
  });

  const open = async (prefix = uniquePrefix()) => {
    const sink = new RedisQueueSink(redis, { prefix });
    await sink.prepare();
    opened.push(sink);
    return { sink, reads: new RedisQueueReads(redis, { prefix }), prefix };
  };

  queueReadsContract(
    'RedisQueueReads',
    async () => {
      const { sink, reads, prefix } = await open();
      return {
        sink,
        reads,
        secondSink: async () => new RedisQueueSink(secondInstance, { prefix }),
        cleanup: () => sink.reset(),
      };
    },
    { sharedStore: true },
  );

  describe('answers exactly as the in-memory projection', () => {
    it.each([
      [11, 'names'],
      [22, 'names'],
      [33, 'names'],
      [44, 'names'],
      [55, 'uuids'],
      [66, 'uuids'],
    ] as const)(
      'on a random log, delivered in pieces, again and by two instances (seed %i, ids as %s)',
      async (seed, ids) => {
        const { events, entries } = randomLog(seed, 400, ids);
        const memory = new InMemorySink();
        await memory.apply(events);
        const { sink, reads, prefix } = await open();
        const second = new RedisQueueSink(secondInstance, { prefix });
        const feed = async (target: ProjectionSink, from: number, random: () => number) => {
          for (let i = from; i < events.length;) {
            const size = 1 + Math.floor(random() * 40);
            await target.apply(events.slice(i, i + size));
            if (random() < 0.3) {
              const start = Math.floor(random() * (i + 1));
              await target.apply(events.slice(start, start + 1 + Math.floor(random() * 60)));
            }
            i += size;
          }
        };
        await sink.apply(events.slice(0, 50));
        const secondFrom = await second.checkpoint();
        await Promise.all([feed(sink, 50, mulberry32(seed)), feed(second, secondFrom, mulberry32(seed + 1))]);

        const end = events[events.length - 1].recordedAt.getTime();
        const times = [T0, end - 2 * MINUTE, end - 30 * SECOND, end, end + 90 * SECOND, end + 3 * MINUTE];
        const expected = await snapshot(new InMemoryQueueReads(memory.documents), entries, times);
        const statuses = new Set(expected.map((read) => read?.status));
        expect([...statuses].sort()).toEqual(['ACTIVE', 'DONE', 'EXPIRED', 'WAITING', undefined]);
        expect(Math.max(...expected.map((read) => read?.admittedLastMinute ?? 0))).toBeGreaterThan(1);
        expect(await snapshot(reads, entries, times)).toStrictEqual(expected);
        expect(await sink.checkpoint()).toBe(events.length);
      },
    );
  });

  describe('key layout', () => {
    it('keeps waiting entries by join position, active ones by expiry, and each entry with its last position', async () => {
      const { sink, prefix } = await open();
      const log = new QueueLog().join('c1', 'e1').join('c1', 'e2').other().join('c1', 'e3').join('c1', 'e4');
      const until = T0 + 10 * MINUTE;
      log.admit('c1', ['e1', 'e2'], until).complete('c1', 'e1');
      await sink.apply(log.events);
      const root = `${prefix}q:{c1}:`;
      expect(await redis.zrange(`${root}waiting`, 0, -1, 'WITHSCORES')).toEqual(['e3', '4', 'e4', '5']);
      expect(await redis.zrange(`${root}active`, 0, -1, 'WITHSCORES')).toEqual(['e2', String(until)]);
      expect(await redis.hgetall(`${root}e:e1`)).toEqual({ u: 'u-e1', a: String(until), d: '1', p: '7' });
      expect(await redis.hgetall(`${root}e:e3`)).toEqual({ u: 'u-e3', p: '4' });
      expect(await redis.get(`${prefix}q:checkpoint`)).toBe('7');
    });

    it('keeps the recent admissions bounded: a minute of event time', async () => {
      const { sink, prefix } = await open();
      const log = new QueueLog();
      for (let i = 0; i < 200; i += 1) log.join('c1', `e${i}`);
      // One admission every 3 s for 10 minutes.
      for (let i = 0; i < 200; i += 1)
        log.at(T0 + 10 * MINUTE + i * 3 * SECOND).admit('c1', [`e${i}`], T0 + 30 * MINUTE);
      await sink.apply(log.events);
      expect(await redis.zcard(`${prefix}q:{c1}:admissions`)).toBe(20);
    });

    it('resets its own prefix only', async () => {
      const mine = await open();
      const theirs = await open();
      const events = new QueueLog().join('c1', 'e1').events;
      await mine.sink.apply(events);
      await theirs.sink.apply(events);
      await redis.set(`${mine.prefix}other-model`, 'kept');
      await mine.sink.reset();
      expect(await mine.reads.entry('c1', 'e1', T0)).toBeUndefined();
      expect(await theirs.reads.entry('c1', 'e1', T0)).toMatchObject({ position: 1 });
      expect(await redis.get(`${mine.prefix}other-model`)).toBe('kept');
      await redis.del(`${mine.prefix}other-model`);
    });

    it('takes one round trip per batch and per read', async () => {
      const { sink, reads } = await open();
      const send = jest.spyOn(redis, 'sendCommand');
      try {
        await sink.apply(new QueueLog().join('c1', 'e1').join('c1', 'e2').other().admit('c1', ['e1'], T0).events);
        expect(send).toHaveBeenCalledTimes(1);
        send.mockClear();
        expect(await reads.entry('c1', 'e2', T0)).toMatchObject({ position: 1, admittedLastMinute: 1 });
        expect(send).toHaveBeenCalledTimes(1);
      } finally {
        send.mockRestore();
      }
    });
  });

  describe('client', () => {
    it('fails fast while the server is unreachable and reconnects by itself', async () => {
      const proxy = new CuttableProxy(new URL(url));
      await proxy.open();
      const errors: Error[] = [];
      const client = createRedisClient(`redis://127.0.0.1:${proxy.port}`, (error) => errors.push(error));
      try {
        await whenReady(client);
        expect(await client.ping()).toBe('PONG');

        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = Date.now();
        await expect(client.ping()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(500);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(errors.length).toBeGreaterThan(0);

        await proxy.open();
        await whenReady(client, 3_000);
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
        await proxy.cut();
      }
    });
  });
});
