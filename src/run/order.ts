/** The order in which a run's load verdicts are decided: every module after the modules it depends on. */

/** Every module after the modules it depends on (depth-first post-order, iterative; back edges of a cycle ignored). */
export function dependencyOrder<T>(nodes: readonly T[], depsOf: (n: T) => readonly T[]): T[] {
  const state = new Map<T, 'open' | 'done'>();
  const order: T[] = [];
  for (const root of nodes) {
    if (state.has(root)) continue;
    state.set(root, 'open');
    const stack: Array<{ n: T; deps: readonly T[]; i: number }> = [{ n: root, deps: depsOf(root), i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.i < top.deps.length) {
        const d = top.deps[top.i++];
        if (!state.has(d)) {
          state.set(d, 'open');
          stack.push({ n: d, deps: depsOf(d), i: 0 });
        }
        continue;
      }
      stack.pop();
      state.set(top.n, 'done');
      order.push(top.n);
    }
  }
  return order;
}
