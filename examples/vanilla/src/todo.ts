export interface Todo {
  text: string;
  done: boolean;
}

export class TodoList {
  items: Todo[];

  constructor(seed: Todo[]) {
    this.items = seed.map((t) => ({ ...t }));
  }

  add(text: string) {
    this.items.push({ text, done: false });
  }

  toggle(index: number) {
    const item = this.items[index];
    if (item) item.done = !item.done;
  }

  remaining(): number {
    return this.items.filter((t) => !t.done).length;
  }
}
