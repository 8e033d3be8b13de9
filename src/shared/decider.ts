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

/** The state a stream's events fold to. */
export function fold<State, E extends Event>(
  decider: Pick<Decider<State, never, E>, 'initialState' | 'evolve'>,
  events: readonly { type: string; data: unknown }[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event as unknown as E), decider.initialState());
}

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
