import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '../event-store.port';
import { openEventStore } from '../open-event-store';
import { EventSchemaError, Upcasters } from './upcasters';

const recorded = (type: string, data: unknown, schemaVersion?: unknown): RecordedEvent => ({
  id: 'e-1',
  streamId: 'Thing-1',
  revision: 0,
  position: 7,
  type,
  data,
  // A stamp from outside this build may be anything, so the test can write any.
  metadata: {
    correlationId: 'c',
    ...(schemaVersion === undefined ? {} : { schemaVersion }),
  } as RecordedEvent['metadata'],
  recordedAt: new Date(0),
});

/** ThingNamed: v1 `{ name }`, v2 `{ first, last }`, v3 adds `display`. */
const thingSchemas = () =>
  new Upcasters()
    .register('ThingNamed', 1, (v1: { name: string }) => {
      const [first, last] = v1.name.split(' ');
      return { first, last };
    })
    .register('ThingNamed', 2, (v2: { first: string; last: string }) => ({
      ...v2,
      display: `${v2.last}, ${v2.first}`,
    }));

describe('upcaster chain', () => {
  it('runs every step from the stored version to the current one and says so in the metadata', () => {
    const event = thingSchemas().upcast(recorded('ThingNamed', { name: 'Ada Lovelace' }, 1));
    expect(event.data).toEqual({ first: 'Ada', last: 'Lovelace', display: 'Lovelace, Ada' });
    expect(event.metadata).toEqual({ correlationId: 'c', schemaVersion: 3 });
    const fromTwo = thingSchemas().upcast(recorded('ThingNamed', { first: 'Alan', last: 'Turing' }, 2));
    expect(fromTwo.data).toEqual({ first: 'Alan', last: 'Turing', display: 'Turing, Alan' });
  });

  it('reads an unstamped event as version 1, and leaves a current one untouched (same object)', () => {
    const schemas = thingSchemas();
    expect(schemas.upcast(recorded('ThingNamed', { name: 'Grace Hopper' })).data).toMatchObject({ last: 'Hopper' });
    const current = recorded('ThingNamed', { first: 'a', last: 'b', display: 'b, a' }, 3);
    expect(schemas.upcast(current)).toBe(current);
    const untyped = recorded('Other', { x: 1 });
    expect(schemas.upcast(untyped)).toBe(untyped);
  });

  it('refuses a version from the future with a message naming the event and what to do', () => {
    expect(() => thingSchemas().upcast(recorded('ThingNamed', {}, 4))).toThrow(
      /e-1 \(ThingNamed at position 7\) has schema version 4, but this build knows ThingNamed up to version 3: it was written by a newer build/,
    );
    expect(() => new Upcasters().upcast(recorded('Other', {}, 2))).toThrow(EventSchemaError);
  });

  it('refuses a step that would leave a hole in the chain, or repeat one', () => {
    expect(() => new Upcasters().register('ThingNamed', 2, (d) => d)).toThrow(
      /ThingNamed: cannot register an upcaster from version 2: the current version is 1/,
    );
    expect(() => thingSchemas().register('ThingNamed', 2, (d) => d)).toThrow(/current version is 3/);
  });

  it('refuses an invalid stamp and names a failing step', () => {
    expect(() => thingSchemas().upcast(recorded('ThingNamed', {}, 'two'))).toThrow(/invalid schema version "two"/);
    expect(() => thingSchemas().upcast(recorded('ThingNamed', {}, 1))).toThrow(
      /upcasting ThingNamed from version 1 to 2 failed: TypeError/,
    );
  });

  it('stamps the current version on append metadata unless one is given', () => {
    expect(thingSchemas().stamp('ThingNamed', { correlationId: 'c' })).toEqual({
      correlationId: 'c',
      schemaVersion: 3,
    });
    expect(thingSchemas().stamp('Other', undefined)).toEqual({ schemaVersion: 1 });
    expect(thingSchemas().stamp('ThingNamed', { schemaVersion: 1 })).toEqual({ schemaVersion: 1 });
  });
});

describe('an event store with schemas', () => {
  it('stores events as written and gives them in the current shape on every read path', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'upcast-'));
    const old = await openEventStore({ kind: 'pglite', dataDir }, new Upcasters());
    await old.append('Thing-1', [{ id: 'old', type: 'ThingNamed', data: { name: 'Ada Lovelace' } }], 'no_stream');
    expect((await old.readStream('Thing-1'))[0].metadata).toEqual({ schemaVersion: 1 });
    await old.close();

    const store = await openEventStore({ kind: 'pglite', dataDir }, thingSchemas());
    try {
      await store.append(
        'Thing-1',
        [{ id: 'new', type: 'ThingNamed', data: { first: 'A', last: 'B', display: 'B, A' } }],
        0,
      );
      const v3 = { first: 'Ada', last: 'Lovelace', display: 'Lovelace, Ada' };
      expect((await store.readStream('Thing-1')).map((e) => [e.data, e.metadata.schemaVersion])).toEqual([
        [v3, 3],
        [{ first: 'A', last: 'B', display: 'B, A' }, 3],
      ]);
      expect((await store.readAll(0, 10))[0].data).toEqual(v3);
      const delivered: RecordedEvent[] = [];
      const subscription = store.subscribe(0, (events) => {
        delivered.push(...events);
      });
      await subscription.caughtUp;
      await subscription.close();
      expect(delivered[0].data).toEqual(v3);
      // Moving a log keeps it as written: the importing store upcasts it on read just the same.
      expect((await store.readStored(0, 10)).map((e) => [e.data, e.metadata.schemaVersion])).toEqual([
        [{ name: 'Ada Lovelace' }, 1],
        [{ first: 'A', last: 'B', display: 'B, A' }, 3],
      ]);
    } finally {
      await store.close();
    }
  });
});
