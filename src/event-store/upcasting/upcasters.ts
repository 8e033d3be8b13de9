import { EventMetadata, RecordedEvent } from '../event-store.port';

/** Turns the data of one schema version of an event type into the next version's shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Upcaster = (data: any, event: RecordedEvent) => unknown;

/** A schema the running build cannot read: an unknown future version, a bad stamp, a failing step. */
export class EventSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventSchemaError';
  }
}

/**
 * The schema versions of every event type, and the chain of steps between them.
 *
 * A type is at version 1 until its shape first changes; each registered step
 * turns version n into n + 1, so the current version is one more than the
 * number of steps. Appends stamp the current version in `metadata.schemaVersion`;
 * reads run the steps from the stored version up to the current one. Stored
 * events are never rewritten, so any build can still read the log exactly as
 * it was written, and code that handles events only knows the current shape.
 */
export class Upcasters {
  private readonly chains = new Map<string, Upcaster[]>();

  /** Steps must be registered in order (1→2, then 2→3), so a chain can never have a hole. */
  register(type: string, fromVersion: number, step: Upcaster): this {
    const chain = this.chains.get(type) ?? [];
    const current = chain.length + 1;
    if (fromVersion !== current) {
      throw new EventSchemaError(
        `${type}: cannot register an upcaster from version ${fromVersion}: the current version is ${current}, ` +
          `so the next step must start at ${current}`,
      );
    }
    this.chains.set(type, [...chain, step]);
    return this;
  }

  currentVersion(type: string): number {
    return (this.chains.get(type)?.length ?? 0) + 1;
  }

  /** The metadata an append stores; a version the caller set itself (an import, a test) is kept. */
  stamp(type: string, metadata: EventMetadata | undefined): EventMetadata {
    if (metadata?.schemaVersion !== undefined) return metadata;
    return { ...metadata, schemaVersion: this.currentVersion(type) };
  }

  /** The event in its type's current shape; the same object when it already is. */
  upcast(event: RecordedEvent): RecordedEvent {
    const stored = storedVersion(event);
    const chain = this.chains.get(event.type) ?? [];
    const current = chain.length + 1;
    if (stored === current) return event;
    if (stored > current) {
      throw new EventSchemaError(
        `${describe(event)} has schema version ${stored}, but this build knows ${event.type} up to version ` +
          `${current}: it was written by a newer build, so run that one (or a newer one)`,
      );
    }
    let data = event.data;
    for (let version = stored; version < current; version++) {
      try {
        data = chain[version - 1](data, event);
      } catch (error) {
        throw new EventSchemaError(
          `${describe(event)}: upcasting ${event.type} from version ${version} to ${version + 1} failed: ${String(error)}`,
        );
      }
    }
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: current } };
  }

  upcastAll(events: RecordedEvent[]): RecordedEvent[] {
    return events.map((event) => this.upcast(event));
  }
}

/** Events written before versions were stamped are version 1. */
function storedVersion(event: RecordedEvent): number {
  const version = event.metadata.schemaVersion;
  if (version === undefined) return 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new EventSchemaError(`${describe(event)} has an invalid schema version ${JSON.stringify(version)}`);
  }
  return version;
}

const describe = (event: RecordedEvent) => `event ${event.id} (${event.type} at position ${event.position})`;
