/** Commands and events are plain readonly objects, discriminated by `type`. */
export type Event<Type extends string = string, Data = unknown> = Readonly<{ type: Type; data: Readonly<Data> }>;

/**
 * What every command carries besides its data: the current time (deciders
 * never read a clock) and tracing ids that end up on the events' metadata.
 */
export type CommandMetadata = Readonly<{
  now: Date;
  correlationId: string;
  causationId?: string;
}>;

export type Command<Type extends string = string, Data = unknown> = Readonly<{
  type: Type;
  data: Readonly<Data>;
  metadata: CommandMetadata;
}>;

/** A pure decider: no I/O, no clock, no `this`. `decide` throws a DomainError to refuse. */
export type Decider<State, C extends Command, E extends Event> = {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: E) => State;
  readonly decide: (command: C, state: State) => readonly E[];
};

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
