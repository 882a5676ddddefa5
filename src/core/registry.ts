/**
 * A registry of named implementations, as grpc-js registers its resolvers: an interface and its registry in one
 * file, one file per implementation beside it, one registration line each. Used for the meta-learning algorithms
 * (src/meta/algorithm.ts) and the task families (src/tasks/family.ts). Looking up a name that is not registered
 * fails with the names that are.
 */
import { MetatrainError } from './errors';

/** Thrown when a registry is asked for a name it does not hold; the message lists the names it holds. */
export class UnknownNameError extends MetatrainError {
  constructor(
    readonly what: string,
    readonly unknown: string,
    readonly known: readonly string[],
  ) {
    super(`unknown ${what} ${JSON.stringify(unknown)}; known: ${known.join(', ')}`);
  }
}

/** The entries of one kind (`algorithm`, `task family`), by name, in registration order; `N` is the union of their names. */
export class Registry<T extends { readonly name: string }, N extends string = string> {
  private readonly byName = new Map<string, T>();

  /** @param what the kind of entry in error messages: `algorithm` gives `unknown algorithm "x"; known: maml, …`. */
  constructor(readonly what: string) {}

  /**
   * Adds an entry.
   * @throws MetatrainError when an entry of that name is registered already (a bug).
   */
  register(entry: T & { readonly name: N }): this {
    if (this.byName.has(entry.name)) throw new MetatrainError(`${this.what} ${entry.name} is registered twice`);
    this.byName.set(entry.name, entry);
    return this;
  }

  /**
   * The entry named `name`.
   * @throws UnknownNameError listing the registered names.
   */
  get(name: string): T {
    const entry = this.byName.get(name);
    if (!entry) throw new UnknownNameError(this.what, name, this.names());
    return entry;
  }

  /** Every entry, in registration order. */
  all(): T[] {
    return [...this.byName.values()];
  }

  /**
   * The registered names, in registration order, as `z.enum` takes them.
   * @throws MetatrainError when nothing is registered (a bug).
   */
  names(): [N, ...N[]] {
    const names = [...this.byName.keys()] as N[];
    if (names.length === 0) throw new MetatrainError(`no ${this.what} is registered`);
    return names as [N, ...N[]];
  }
}

/** `a`, `a or b`, `a, b or c`: names as a sentence offers a choice. */
export function orList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
