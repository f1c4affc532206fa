// Names as clients see them, for tools and prompts alike. A component's
// entries keep their own names; when a name is already taken by another
// component, the newcomer's is offered as `<component id>__<name>`. Names
// never change under a client that has seen them: unloading does not rename
// the survivors.

export interface Indexed<D extends { readonly name: string }> {
  /** The name clients use. */
  readonly name: string;
  readonly componentId: string;
  /** The definition as the component gives it (its own name inside). */
  readonly definition: D;
}

export const SEPARATOR = '__';

export class NameIndex<D extends { readonly name: string }> {
  readonly #byName = new Map<string, Indexed<D>>();
  readonly #kind: string;
  readonly #valid: RegExp;

  /** `kind` names the entries in messages (`tool`, `prompt`); `valid` is the name syntax. */
  constructor(kind: string, valid: RegExp) {
    this.#kind = kind;
    this.#valid = valid;
  }

  /** Index a component's entries, replacing those it had; returns the names given. */
  set(componentId: string, items: readonly D[], reserved: ReadonlySet<string>): Indexed<D>[] {
    this.remove(componentId);
    const added: Indexed<D>[] = [];
    const taken = (n: string) => this.#byName.has(n) || reserved.has(n);
    for (const definition of items) {
      let name = definition.name;
      if (taken(name)) name = `${componentId}${SEPARATOR}${definition.name}`;
      if (taken(name) || !this.#valid.test(name)) {
        for (const a of added) this.#byName.delete(a.name);
        throw new Error(
          `${this.#kind} \`${definition.name}\` of component \`${componentId}\` collides with an existing ${this.#kind} and cannot be renamed`,
        );
      }
      const entry = { name, componentId, definition };
      this.#byName.set(name, entry);
      added.push(entry);
    }
    return added;
  }

  remove(componentId: string): void {
    for (const [name, t] of this.#byName)
      if (t.componentId === componentId) this.#byName.delete(name);
  }

  get(name: string): Indexed<D> | undefined {
    return this.#byName.get(name);
  }

  /** Every entry, in a stable order (by component, then as the component lists them). */
  all(): Indexed<D>[] {
    return [...this.#byName.values()];
  }

  of(componentId: string): Indexed<D>[] {
    return this.all().filter((t) => t.componentId === componentId);
  }
}
